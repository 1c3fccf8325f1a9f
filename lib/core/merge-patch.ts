import * as z from 'zod';

/**
 * JSON Merge Patch (RFC 7386) for PATCH routes: what the patch does not mention stays as it is, objects
 * merge recursively, arrays and scalars replace, `null` removes. (zod's `.partial()` is not enough: it
 * still fills defaults for absent fields, and spreading that over the stored value reset every setting
 * the client did not mention.)
 */

/** A merge patch document. */
export type MergePatch = Record<string, unknown>;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Applies a merge patch to a value (RFC 7386 §2). Pure; the target is not modified. */
export function mergePatch<T>(target: T, patch: unknown): T {
  if (!isObject(patch)) return patch as T;
  const out: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out as T;
}

type AnyZod = z.ZodType;

/**
 * The schema of a merge patch of `schema`: every field optional and nullable, no defaults filled in,
 * nested objects patched the same way. Used to validate PATCH bodies and to document them (OpenAPI);
 * the merged result is then validated with the full schema.
 */
export function patchSchema(schema: AnyZod): AnyZod {
  const def = (schema as unknown as { def: { type: string; innerType?: AnyZod; shape?: Record<string, AnyZod> } }).def;
  if (def.type === 'default' || def.type === 'optional' || def.type === 'nullable' || def.type === 'prefault') {
    return patchSchema(def.innerType!);
  }
  if (def.type === 'object' && schema instanceof z.ZodObject) {
    const shape: Record<string, AnyZod> = {};
    for (const [k, v] of Object.entries(schema.shape as Record<string, AnyZod>)) shape[k] = patchSchema(v).nullable().optional();
    return z.object(shape).strict();
  }
  return schema;
}
