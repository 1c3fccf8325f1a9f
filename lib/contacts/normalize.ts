import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import type { Contact } from '../campaigns/schema';

/** Why a contact row was rejected (SPEC C4). */
export type RejectionReason =
  | 'MissingNumber'
  | 'InvalidNumber'
  | 'DuplicateInFile'
  | 'DuplicateInCampaign'
  | 'DoNotCall'
  | 'MissingVariable'
  | 'TooManyVariables'
  | 'BadRow';

/** One row rejected, with the spreadsheet row number (header = row 1). */
export interface Rejection {
  row: number;
  reason: RejectionReason;
  detail?: string;
  /** The raw number as given (for the report). */
  phone?: string;
}

/** Maximum variables per contact (C3). */
export const MAX_VARIABLES = 50;

/** Normalises a phone number to E.164 with a default region, or undefined when it is not a valid number. */
export function toE164(raw: string, defaultRegion: string): string | undefined {
  const text = raw.trim();
  if (!text) return undefined;
  // Spreadsheets often drop the '+', or carry an international `00` prefix.
  const candidate = text.startsWith('00') ? `+${text.slice(2)}` : text;
  const parsed = parsePhoneNumberFromString(candidate, defaultRegion as CountryCode);
  if (!parsed || !parsed.isValid()) return undefined;
  return parsed.number;
}

const ALIASES: Record<string, keyof Omit<Contact, 'variables'>> = {};
const alias = (field: keyof Omit<Contact, 'variables'>, names: string) => {
  for (const n of names.split(',')) ALIASES[n] = field;
};
alias('phone', 'phone,phonenumber,number,mobile,mobilenumber,tel,telephone,电话,手机,手机号,手机号码,号码,电话号码,被叫号码');
alias('name', 'name,fullname,姓名,名字,客户姓名');
alias('honorific', 'honorific,title,salutation,称呼,尊称');
alias('referenceId', 'referenceid,reference,ref,externalid,externalreference,业务id,外部id,客户id');

/** Which contact field a header names, or undefined for a variable column. */
export function fieldOfHeader(header: string): keyof Omit<Contact, 'variables'> | undefined {
  return ALIASES[header.trim().toLowerCase().replace(/[\s_\-.]/g, '')];
}

/** Maps a header row to columns: contact fields and variable names. */
export interface ColumnMap {
  fields: Partial<Record<keyof Omit<Contact, 'variables'>, number>>;
  variables: { name: string; index: number }[];
}

/** Builds the column map of a header row. */
export function columnMap(header: readonly string[]): ColumnMap {
  const map: ColumnMap = { fields: {}, variables: [] };
  header.forEach((h, index) => {
    const name = h.trim();
    if (!name) return;
    const field = fieldOfHeader(name);
    if (field && map.fields[field] === undefined) map.fields[field] = index;
    else if (!field) map.variables.push({ name, index });
  });
  return map;
}

/** Validates one data row (pure); file and campaign duplicates and lists are checked by the importer. */
export function validateRow(
  cells: readonly string[],
  columns: ColumnMap,
  options: { defaultRegion: string; requiredVariables: readonly string[] },
): { ok: true; contact: Contact } | { ok: false; reason: RejectionReason; detail?: string; phone?: string } {
  const cell = (i: number | undefined) => (i === undefined ? '' : (cells[i] ?? '').trim());
  const rawPhone = cell(columns.fields.phone);
  if (!rawPhone) return { ok: false, reason: 'MissingNumber' };
  const phone = toE164(rawPhone, options.defaultRegion);
  if (!phone) return { ok: false, reason: 'InvalidNumber', detail: 'not a valid phone number', phone: rawPhone };
  const variables: Record<string, string> = {};
  for (const v of columns.variables) {
    const value = cell(v.index);
    if (value) variables[v.name] = value;
  }
  if (Object.keys(variables).length > MAX_VARIABLES) return { ok: false, reason: 'TooManyVariables', detail: `more than ${MAX_VARIABLES} variables`, phone: rawPhone };
  const missing = options.requiredVariables.filter((v) => !variables[v]);
  if (missing.length > 0) return { ok: false, reason: 'MissingVariable', detail: `missing ${missing.join(', ')}`, phone: rawPhone };
  const contact: Contact = { phone, variables };
  const name = cell(columns.fields.name);
  const honorific = cell(columns.fields.honorific);
  const referenceId = cell(columns.fields.referenceId);
  if (name) contact.name = name.slice(0, 200);
  if (honorific) contact.honorific = honorific.slice(0, 50);
  if (referenceId) contact.referenceId = referenceId.slice(0, 200);
  return { ok: true, contact };
}

/** Splits manual entry (numbers separated by spaces, commas, semicolons or new lines) into numbers (C3). */
export function splitManualNumbers(text: string): string[] {
  return text.split(/[\s,;，；、]+/).map((s) => s.trim()).filter(Boolean);
}
