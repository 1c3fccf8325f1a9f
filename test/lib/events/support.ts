import Ajv from 'ajv-draft-04';
import type { ValidateFunction } from 'ajv';

/** A JSON Schema draft 4 validator as strict as the registry's schemas allow (ajv, the draft 4 dialect EventSchemas accepts). */
export function draft4Validator(): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false });
  // The envelope's `time` is an ISO 8601 date-time; ajv ships no formats itself.
  ajv.addFormat('date-time', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/);
  return ajv;
}

/** Compiles a schema and returns a check that throws with ajv's errors. */
export function schemaCheck(ajv: Ajv, schema: object): (value: unknown) => void {
  const validate: ValidateFunction = ajv.compile(schema);
  return (value) => {
    if (!validate(value)) throw new Error(ajv.errorsText(validate.errors, { separator: '; ' }));
  };
}
