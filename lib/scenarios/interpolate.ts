/**
 * Prompt variables (S2): `@name` or `@{name}` is replaced by the contact's value; `@@` is a literal `@`.
 * Variable names are ASCII identifiers, so `@name您好` reads the variable `name`.
 * Templates are parsed once (at compile time) into segments, so rendering a prompt in a call does no regex work.
 */

/** A parsed prompt: literal text and variable references in order. */
export type Segment = { text: string } | { variable: string };

const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_]/;

/** Parses a prompt template into segments. */
export function parseTemplate(template: string): Segment[] {
  const out: Segment[] = [];
  let lit = '';
  let i = 0;
  while (i < template.length) {
    const c = template[i]!;
    if (c !== '@') {
      lit += c;
      i++;
      continue;
    }
    const next = template[i + 1];
    if (next === '@') {
      lit += '@';
      i += 2;
      continue;
    }
    if (next === '{') {
      const close = template.indexOf('}', i + 2);
      const name = close > 0 ? template.slice(i + 2, close) : '';
      if (name && /^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
        if (lit) out.push({ text: lit });
        lit = '';
        out.push({ variable: name });
        i = close + 1;
        continue;
      }
    } else if (next !== undefined && NAME_START.test(next)) {
      let j = i + 1;
      while (j < template.length && NAME_CHAR.test(template[j]!)) j++;
      if (lit) out.push({ text: lit });
      lit = '';
      out.push({ variable: template.slice(i + 1, j) });
      i = j;
      continue;
    }
    lit += c;
    i++;
  }
  if (lit) out.push({ text: lit });
  return out;
}

/** Renders parsed segments with the given variables; an absent variable renders as its fallback or empty. */
export function renderSegments(segments: readonly Segment[], variables: Readonly<Record<string, string>>, fallbacks: Readonly<Record<string, string>> = {}): string {
  let s = '';
  for (const seg of segments) {
    if ('text' in seg) s += seg.text;
    else s += variables[seg.variable] ?? fallbacks[seg.variable] ?? '';
  }
  return s;
}

/** Interpolates a template in one go (parses it each time; the engine uses pre-parsed segments). */
export function interpolate(template: string, variables: Readonly<Record<string, string>>): string {
  return renderSegments(parseTemplate(template), variables);
}

/** Names of the variables a template uses, in order of first use. */
export function templateVariables(template: string): string[] {
  const names: string[] = [];
  for (const seg of parseTemplate(template)) if ('variable' in seg && !names.includes(seg.variable)) names.push(seg.variable);
  return names;
}
