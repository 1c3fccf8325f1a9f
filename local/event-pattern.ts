import { BlockList, isIP } from 'node:net';
import { ReachoutError, type FieldIssue } from '../lib/core/errors';

/**
 * EventBridge event patterns (content filtering), for the local bus. Rules are validated once
 * when added, so a pattern EventBridge would reject fails locally too instead of silently never matching.
 */

/** A malformed event pattern; `details` names each offending path. */
export class EventPatternError extends ReachoutError {
  override readonly name = 'EventPatternError';
  constructor(details: FieldIssue[]) {
    super(
      'InvalidEventPattern',
      `event pattern is not valid: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`,
      400,
      {},
      details,
    );
  }
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type PatternObject = Record<string, unknown>;

const MATCHER_KEYS = new Set(['prefix', 'suffix', 'anything-but', 'numeric', 'exists', 'equals-ignore-case', 'wildcard', 'cidr']);
const LOWER_OPS = new Set(['>', '>=']);
const UPPER_OPS = new Set(['<', '<=']);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isString = (v: unknown): v is string => typeof v === 'string';
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isScalar = (v: unknown) => v === null || typeof v === 'boolean' || isString(v) || isNumber(v);

/** Problems with a pattern, empty when it is valid. */
export function validatePattern(pattern: unknown): FieldIssue[] {
  const issues: FieldIssue[] = [];
  if (!isObject(pattern)) {
    issues.push({ path: '(pattern)', message: 'must be a JSON object' });
    return issues;
  }
  validateObject(pattern, '', issues);
  return issues;
}

/** Throws EventPatternError when the pattern is malformed. */
export function assertValidPattern(pattern: unknown): asserts pattern is object {
  const issues = validatePattern(pattern);
  if (issues.length > 0) throw new EventPatternError(issues);
}

function validateObject(pattern: PatternObject, path: string, issues: FieldIssue[]): void {
  const keys = Object.keys(pattern);
  if (keys.length === 0) issues.push({ path: path || '(pattern)', message: 'must not be empty' });
  for (const key of keys) {
    const value = pattern[key];
    const here = path ? `${path}.${key}` : key;
    if (key === '$or') {
      if (!Array.isArray(value) || value.length < 2 || !value.every(isObject)) {
        issues.push({ path: here, message: '$or must be an array of at least two pattern objects' });
      } else {
        value.forEach((sub, i) => validateObject(sub as PatternObject, `${here}[${i}]`, issues));
      }
    } else if (Array.isArray(value)) {
      if (value.length === 0) issues.push({ path: here, message: 'must list at least one value to match' });
      value.forEach((m, i) => validateMatcher(m, `${here}[${i}]`, issues));
    } else if (isObject(value)) {
      validateObject(value, here, issues);
    } else {
      issues.push({ path: here, message: 'values to match must be in an array, e.g. ["value"]' });
    }
  }
}

function validateMatcher(m: unknown, path: string, issues: FieldIssue[]): void {
  if (isScalar(m)) return;
  if (!isObject(m)) {
    issues.push({ path, message: 'must be a string, number, boolean, null or a comparison object' });
    return;
  }
  const keys = Object.keys(m);
  const [op] = keys;
  if (keys.length !== 1 || !op || !MATCHER_KEYS.has(op)) {
    issues.push({ path, message: `must have exactly one of ${[...MATCHER_KEYS].join(', ')}` });
    return;
  }
  const v = m[op];
  const at = `${path}.${op}`;
  const bad = (message: string) => issues.push({ path: at, message });
  switch (op) {
    case 'prefix':
    case 'suffix':
      if (!isString(v) && !(isObject(v) && Object.keys(v).length === 1 && isString(v['equals-ignore-case']))) {
        bad('must be a string or {"equals-ignore-case": string}');
      }
      break;
    case 'equals-ignore-case':
      if (!isString(v)) bad('must be a string');
      break;
    case 'exists':
      if (typeof v !== 'boolean') bad('must be true or false');
      break;
    case 'wildcard': {
      const problem = isString(v) ? wildcardProblem(v) : 'must be a string';
      if (problem) bad(problem);
      break;
    }
    case 'cidr':
      if (!isString(v) || !parseCidr(v)) bad('must be an IPv4 or IPv6 CIDR block such as "10.0.0.0/24"');
      break;
    case 'numeric': {
      const problem = numericProblem(v);
      if (problem) bad(problem);
      break;
    }
    case 'anything-but':
      validateAnythingBut(v, at, issues);
      break;
  }
}

function validateAnythingBut(v: unknown, path: string, issues: FieldIssue[]): void {
  if (isString(v) || isNumber(v)) return;
  if (Array.isArray(v)) {
    if (v.length === 0 || !(v.every(isString) || v.every(isNumber))) {
      issues.push({ path, message: 'a list must hold only strings or only numbers' });
    }
    return;
  }
  if (isObject(v) && Object.keys(v).length === 1) {
    const [op] = Object.keys(v);
    const inner = v[op!];
    const strings = isString(inner) || (Array.isArray(inner) && inner.length > 0 && inner.every(isString));
    if ((op === 'prefix' || op === 'suffix') && isString(inner)) return;
    if (op === 'equals-ignore-case' && strings) return;
    if (op === 'wildcard' && strings) {
      for (const w of [inner].flat() as string[]) {
        const problem = wildcardProblem(w);
        if (problem) issues.push({ path: `${path}.wildcard`, message: problem });
      }
      return;
    }
  }
  issues.push({
    path,
    message: 'must be a string, a number, a list of either, or one of {prefix}, {suffix}, {equals-ignore-case}, {wildcard}',
  });
}

function numericProblem(v: unknown): string | undefined {
  if (!Array.isArray(v) || (v.length !== 2 && v.length !== 4)) return 'must be [op, number] or [op, number, op, number]';
  const pairs: [string, number][] = [];
  for (let i = 0; i < v.length; i += 2) {
    const op = v[i];
    const n = v[i + 1];
    if (!isString(op) || !['<', '<=', '=', '>', '>='].includes(op)) return `unknown operator ${JSON.stringify(op)}`;
    if (!isNumber(n)) return `operand of ${op} must be a number`;
    pairs.push([op, n]);
  }
  if (pairs.length === 2) {
    const lower = pairs.find(([op]) => LOWER_OPS.has(op));
    const upper = pairs.find(([op]) => UPPER_OPS.has(op));
    if (!lower || !upper) return 'a range needs one lower bound (> or >=) and one upper bound (< or <=)';
    if (lower[1] >= upper[1]) return 'the lower bound must be below the upper bound';
  }
  return undefined;
}

function wildcardProblem(w: string): string | undefined {
  for (let i = 0; i < w.length; i++) {
    if (w[i] === '\\') {
      const next = w[i + 1];
      if (next !== '*' && next !== '\\') return 'a backslash may only escape * or \\';
      i++;
    } else if (w[i] === '*' && w[i + 1] === '*') {
      return 'consecutive wildcard characters are not allowed';
    }
  }
  return undefined;
}

const wildcardCache = new Map<string, RegExp>();
function wildcardRegex(w: string): RegExp {
  let re = wildcardCache.get(w);
  if (!re) {
    let source = '';
    for (let i = 0; i < w.length; i++) {
      const c = w[i]!;
      if (c === '\\') source += escapeRegex(w[++i] ?? '');
      else if (c === '*') source += '.*';
      else source += escapeRegex(c);
    }
    re = new RegExp(`^${source}$`, 's');
    wildcardCache.set(w, re);
  }
  return re;
}
const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

const cidrCache = new Map<string, BlockList | null>();
function parseCidr(cidr: string): BlockList | undefined {
  if (cidrCache.has(cidr)) return cidrCache.get(cidr) ?? undefined;
  let list: BlockList | null = null;
  const match = /^([^/]+)\/(\d{1,3})$/.exec(cidr);
  if (match) {
    const version = isIP(match[1]!);
    const bits = Number(match[2]);
    if (version !== 0 && bits <= (version === 4 ? 32 : 128)) {
      list = new BlockList();
      list.addSubnet(match[1]!, bits, version === 4 ? 'ipv4' : 'ipv6');
    }
  }
  cidrCache.set(cidr, list);
  return list ?? undefined;
}

const validated = new WeakSet<object>();

/**
 * Whether an event matches an EventBridge event pattern: every field of the pattern must match
 * (AND), any value listed for a field may match (OR), `$or` picks one of several sub-patterns, and
 * an array in the event matches when any of its elements does. Throws EventPatternError on a malformed pattern.
 */
export function matchesPattern(pattern: object, event: object): boolean {
  if (!validated.has(pattern)) {
    assertValidPattern(pattern);
    validated.add(pattern);
  }
  return matchNode(pattern as PatternObject, event);
}

/** Matches a pattern object against an event node; arrays of objects match when any element does. */
function matchNode(pattern: PatternObject, node: unknown): boolean {
  if (Array.isArray(node)) {
    const objects = node.filter(isObject);
    if (objects.length > 0) return objects.some((o) => matchFields(pattern, o));
    return matchFields(pattern, undefined);
  }
  return matchFields(pattern, isObject(node) ? node : undefined);
}

function matchFields(pattern: PatternObject, node: Record<string, unknown> | undefined): boolean {
  for (const [key, sub] of Object.entries(pattern)) {
    if (key === '$or') {
      if (!(sub as PatternObject[]).some((p) => matchFields(p, node))) return false;
      continue;
    }
    const child = node && Object.prototype.hasOwnProperty.call(node, key) ? node[key] : undefined;
    if (Array.isArray(sub)) {
      if (!matchLeaves(sub, leaves(child))) return false;
    } else if (!matchNode(sub as PatternObject, child)) {
      return false;
    }
  }
  return true;
}

/** The leaf values of an event field: objects are not leaves, arrays contribute their elements. */
function leaves(value: unknown): Json[] {
  if (value === undefined) return [];
  if (Array.isArray(value)) return value.flatMap((v) => leaves(v));
  if (isObject(value)) return [];
  return [value as Json];
}

function matchLeaves(matchers: unknown[], values: Json[]): boolean {
  return matchers.some((m) => {
    if (isObject(m) && 'exists' in m) return m.exists === true ? values.length > 0 : values.length === 0;
    return values.some((v) => matchValue(m, v));
  });
}

function matchValue(m: unknown, v: Json): boolean {
  if (!isObject(m)) return m === v;
  const [op] = Object.keys(m);
  const arg = m[op!];
  switch (op) {
    case 'prefix':
      return isString(v) && affix(arg, v, (s, p) => s.startsWith(p));
    case 'suffix':
      return isString(v) && affix(arg, v, (s, p) => s.endsWith(p));
    case 'equals-ignore-case':
      return isString(v) && v.toLowerCase() === (arg as string).toLowerCase();
    case 'wildcard':
      return isString(v) && wildcardRegex(arg as string).test(v);
    case 'cidr':
      return isString(v) && isIP(v) !== 0 && parseCidr(arg as string)!.check(v, isIP(v) === 4 ? 'ipv4' : 'ipv6');
    case 'numeric':
      return isNumber(v) && numericHolds(arg as (string | number)[], v);
    case 'anything-but':
      return anythingBut(arg, v);
    default:
      return false;
  }
}

function affix(arg: unknown, value: string, test: (s: string, p: string) => boolean): boolean {
  if (isString(arg)) return test(value, arg);
  const p = (arg as { 'equals-ignore-case': string })['equals-ignore-case'];
  return test(value.toLowerCase(), p.toLowerCase());
}

function numericHolds(spec: (string | number)[], v: number): boolean {
  for (let i = 0; i < spec.length; i += 2) {
    const n = spec[i + 1] as number;
    const ok = (() => {
      switch (spec[i]) {
        case '<':
          return v < n;
        case '<=':
          return v <= n;
        case '=':
          return v === n;
        case '>':
          return v > n;
        case '>=':
          return v >= n;
        default:
          return false;
      }
    })();
    if (!ok) return false;
  }
  return true;
}

function anythingBut(arg: unknown, v: Json): boolean {
  if (Array.isArray(arg)) return !arg.includes(v);
  if (!isObject(arg)) return arg !== v;
  const [op] = Object.keys(arg);
  const inner = arg[op!];
  if (!isString(v)) return false;
  switch (op) {
    case 'prefix':
      return !v.startsWith(inner as string);
    case 'suffix':
      return !v.endsWith(inner as string);
    case 'equals-ignore-case':
      return !([inner].flat() as string[]).some((s) => s.toLowerCase() === v.toLowerCase());
    case 'wildcard':
      return !([inner].flat() as string[]).some((w) => wildcardRegex(w).test(v));
    default:
      return false;
  }
}
