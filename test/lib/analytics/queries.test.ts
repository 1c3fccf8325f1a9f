import { describe, expect, it } from 'vitest';
import { QUERY_PARAMETERS, SAVED_QUERIES, queryValues, savedQuery } from '../../../lib/analytics/queries';

/** Constructs only one of the two engines (Athena/Trino, DuckDB) understands, or that behave differently. */
const NOT_PORTABLE: [RegExp, string][] = [
  [/\bcount_if\b/i, 'count_if'],
  [/\bdate_format\b|\bstrftime\b|\bdate_trunc\b|\bdate_diff\b|\bdatediff\b/i, 'date functions'],
  [/\bcurrent_date\b|\bnow\(\)|\binterval\b/i, 'clock-dependent filters (days are parameters)'],
  [/::/, 'PostgreSQL casts'],
  [/\bilike\b|\bqualify\b|\bexclude\b|\breplace\s*\(/i, 'DuckDB-only syntax'],
  [/\btry_cast\b|\bapprox_/i, 'engine-specific functions'],
  [/"/, 'double quotes (identifiers in Trino, sometimes strings in DuckDB)'],
  [/\bFILTER\s*\(/i, 'aggregate FILTER'],
  [/(?<!CAST\([^)]*)\s\/\s(?!nullif)/, 'division without an explicit DOUBLE cast'],
];

describe('saved queries', () => {
  it('use only SQL both Athena (Trino) and DuckDB run the same way', () => {
    for (const q of SAVED_QUERIES) {
      for (const [re, what] of NOT_PORTABLE) expect(re.test(q.sql), `${q.name}: ${what}`).toBe(false);
    }
  });

  it('have unique names and place every parameter in a WHERE clause (an Athena rule for execution parameters)', () => {
    expect(new Set(SAVED_QUERIES.map((q) => q.name)).size).toBe(SAVED_QUERIES.length);
    for (const q of SAVED_QUERIES) {
      for (const line of q.sql.split('\n').filter((l) => l.includes('?'))) expect(line.trim()).toMatch(/^WHERE /);
    }
  });

  it('map named values onto the placeholders in order', () => {
    const q = savedQuery('funnel')!;
    expect(queryValues(q, { instance_id: 'i', from_day: 'a', to_day: 'b', campaign_id: 'c' })).toEqual(['i', 'a', 'b', 'c']);
    expect(QUERY_PARAMETERS).toEqual(['instance_id', 'from_day', 'to_day', 'campaign_id']);
    expect(savedQuery('nope')).toBeUndefined();
  });
});
