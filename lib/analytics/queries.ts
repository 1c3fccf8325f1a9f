import { DATASET_KEYS, type DatasetName } from './datasets';

/**
 * The saved queries (SPEC R7), written once in the SQL both engines run: Athena (Trino) in AWS, where the CDK app
 * saves them as AWS::Athena::NamedQuery, and DuckDB locally (`npm run query -- --saved NAME`). Kept to the common
 * subset: CASE instead of count_if/filter, explicit CAST(... AS DOUBLE) before dividing (DuckDB's `/` on integers is
 * a float division, Trino's an integer one), `(VALUES ...) AS t (a, b)` tables, window functions, no engine-specific
 * date functions (days are `dt` strings). A test runs every query on DuckDB against a direct computation, and
 * another checks the text for the constructs that only one engine knows.
 *
 * Parameters: every query takes the same four positional `?` parameters, in this order: instance id, first day,
 * last day (YYYY-MM-DD, inclusive, on the partition `dt`) and campaign id. Athena's console prompts for them when a
 * saved query runs (or pass them as ExecutionParameters); the instance id and the day range are what keep Athena
 * reading only the partitions of one instance and those days (`instance_id` is an injected projection: Athena
 * needs it as a literal equality).
 *
 * Duplicates: events are delivered at least once, so a row can be written twice. Each query reads its dataset
 * through a CTE that keeps one row per key (DATASET_KEYS) with ROW_NUMBER, the latest event winning.
 */

/** The parameters of every saved query, in `?` order. */
export const QUERY_PARAMETERS = ['instance_id', 'from_day', 'to_day', 'campaign_id'] as const;
/** A saved-query parameter name. */
export type QueryParameter = (typeof QUERY_PARAMETERS)[number];

/** A saved query. */
export interface SavedQuery {
  /** Name (the NamedQuery name and `--saved` argument). */
  name: string;
  description: string;
  /** The datasets it reads. */
  datasets: readonly DatasetName[];
  /** SQL with `?` placeholders. */
  sql: string;
  /** Parameter names in `?` order (QUERY_PARAMETERS once per dataset read). */
  parameters: readonly QueryParameter[];
}

const ALIASES: Record<DatasetName, string> = { calls: 'c', turns: 't', jobs: 'j', events: 'e' };

/**
 * The de-duplicating CTE of a dataset for one instance, day range and campaign: `<alias> AS (...)` keeping the
 * latest row per key. Its parameters are QUERY_PARAMETERS.
 */
export function uniqueRows(dataset: DatasetName): string {
  const keys = DATASET_KEYS[dataset].join(', ');
  return `${ALIASES[dataset]} AS (
  SELECT * FROM (
    SELECT d.*, row_number() OVER (PARTITION BY ${keys} ORDER BY event_time DESC, event_id DESC) AS row_rank
    FROM ${dataset} d
    WHERE instance_id = ? AND dt BETWEEN ? AND ? AND campaign_id = ?
  ) ranked
  WHERE row_rank = 1
)`;
}

function query(name: string, description: string, datasets: readonly DatasetName[], extraCtes: string[], body: string): SavedQuery {
  const ctes = [...datasets.map(uniqueRows), ...extraCtes].join(',\n');
  return { name, description, datasets, sql: `WITH ${ctes}\n${body.trim()}`, parameters: datasets.flatMap(() => QUERY_PARAMETERS) };
}

const count = (condition: string) => `sum(CASE WHEN ${condition} THEN 1 ELSE 0 END)`;
// The report's funnel stages (lib/results/classify.ts), in its order of precedence: completed, silent, no-match,
// timeout, user hang-up, other. Defined once here so each stage's condition excludes the earlier ones.
const ENDED = 'answered AND NOT coalesce(completed, false)';
const INTERACTED_ENDED = `${ENDED} AND user_turns > 0`;
const NO_MATCH = 'coalesce(no_match_hangup, false)';
const pct = (part: string, whole: string) => `round(100 * CAST(${part} AS DOUBLE) / nullif(${whole}, 0), 2)`;

/** The saved queries, in the order the docs list them. */
export const SAVED_QUERIES: readonly SavedQuery[] = [
  query(
    'answer-rate-by-day',
    'Calls, answered calls and answer rate per day (R4) of one campaign',
    ['calls'],
    [],
    `SELECT dt AS day, count(*) AS calls, ${count('answered')} AS answered, ${pct(count('answered'), 'count(*)')} AS answer_rate_pct
FROM c
GROUP BY dt
ORDER BY dt`,
  ),
  query(
    'intention-grades',
    'Jobs per intention grade A–E with percent of graded jobs (R2, seed 001 intention[])',
    ['jobs'],
    [
      `grades AS (SELECT * FROM (VALUES (1, 'A'), (2, 'B'), (3, 'C'), (4, 'D'), (5, 'E')) AS g (intention_results, grade))`,
      `graded AS (SELECT intent_grade, count(*) AS total FROM j WHERE intent_grade IS NOT NULL GROUP BY intent_grade)`,
    ],
    `SELECT grades.intention_results, grades.grade, coalesce(graded.total, 0) AS total,
  coalesce(${pct('graded.total', '(SELECT sum(total) FROM graded)')}, 0) AS percent
FROM grades
LEFT JOIN graded ON graded.intent_grade = grades.grade
ORDER BY grades.intention_results`,
  ),
  query(
    'funnel',
    'The call funnel (R3), staged as the report counts it: every answered call that did not complete ends in exactly one of silent hang-up, no-match hang-up, timeout hang-up, user hang-up or other end',
    ['calls'],
    [],
    `SELECT count(*) AS dialled,
  coalesce(${count('answered')}, 0) AS answered,
  coalesce(${count('NOT coalesce(answered, false)')}, 0) AS not_answered,
  coalesce(${count(`${ENDED} AND coalesce(user_turns, 0) = 0`)}, 0) AS silent_hangup,
  coalesce(${count('answered AND user_turns > 0')}, 0) AS effective_interaction,
  coalesce(${count('answered AND completed')}, 0) AS main_flow_completed,
  coalesce(${count(`${INTERACTED_ENDED} AND (no_match_hangup OR hangup_reason = 'silence' OR hangup_party = 'person')`)}, 0) AS main_flow_hangup,
  coalesce(${count(`${INTERACTED_ENDED} AND NOT ${NO_MATCH} AND coalesce(hangup_reason, '') <> 'silence' AND hangup_party = 'person'`)}, 0) AS user_hangup,
  coalesce(${count(`${INTERACTED_ENDED} AND ${NO_MATCH}`)}, 0) AS no_match_hangup,
  coalesce(${count(`${INTERACTED_ENDED} AND NOT ${NO_MATCH} AND hangup_reason = 'silence'`)}, 0) AS timeout_hangup,
  coalesce(${count(`${INTERACTED_ENDED} AND NOT ${NO_MATCH} AND coalesce(hangup_reason, '') <> 'silence' AND coalesce(hangup_party, '') <> 'person'`)}, 0) AS other_end
FROM c`,
  ),
  query(
    'top-hangup-nodes',
    'Top 30 dialog nodes where the person hung up (R3)',
    ['calls'],
    [],
    `SELECT hangup_node, count(*) AS calls
FROM c
WHERE hangup_party = 'person' AND hangup_node IS NOT NULL
GROUP BY hangup_node
ORDER BY calls DESC, hangup_node
LIMIT 30`,
  ),
  query(
    'attempts-per-callee',
    'How many numbers were called once, twice, ... (calls per callee, retries included)',
    ['calls'],
    [],
    `SELECT attempts, count(*) AS callees
FROM (SELECT callee, count(*) AS attempts FROM c WHERE callee IS NOT NULL GROUP BY callee) per_callee
GROUP BY attempts
ORDER BY attempts`,
  ),
  query(
    'calls-by-status-and-sip-code',
    'Calls per call status and final SIP code (T3)',
    ['calls'],
    [],
    `SELECT status, sip_code, count(*) AS calls
FROM c
GROUP BY status, sip_code
ORDER BY calls DESC, status, sip_code`,
  ),
  query(
    'top-intents',
    'Top 30 matched intents with their average score (R3)',
    ['turns'],
    [],
    `SELECT intent, count(*) AS turns, round(avg(score), 3) AS avg_score
FROM t
WHERE intent IS NOT NULL
GROUP BY intent
ORDER BY turns DESC, intent
LIMIT 30`,
  ),
  query(
    'dialog-rounds',
    'Answered calls per number of dialog rounds: 1, 2~5, 6~10, 11~20, >20 (R2, seed 001 rounds)',
    ['calls'],
    [
      `buckets AS (SELECT * FROM (VALUES (1, '1'), (2, '2~5'), (3, '6~10'), (4, '11~20'), (5, '>20')) AS b (bucket_order, rounds))`,
      `counted AS (
  SELECT CASE WHEN turns <= 1 THEN '1' WHEN turns <= 5 THEN '2~5' WHEN turns <= 10 THEN '6~10' WHEN turns <= 20 THEN '11~20' ELSE '>20' END AS rounds,
    count(*) AS calls
  FROM c
  WHERE answered
  GROUP BY 1
)`,
    ],
    `SELECT buckets.rounds, coalesce(counted.calls, 0) AS calls
FROM buckets
LEFT JOIN counted ON counted.rounds = buckets.rounds
ORDER BY buckets.bucket_order`,
  ),
  query(
    'job-outcomes',
    'Finished jobs per status and failure reason',
    ['jobs'],
    [],
    `SELECT status, failure_reason, count(*) AS jobs
FROM j
GROUP BY status, failure_reason
ORDER BY jobs DESC, status, failure_reason`,
  ),
];

/** A saved query by name. */
export function savedQuery(name: string): SavedQuery | undefined {
  return SAVED_QUERIES.find((q) => q.name === name);
}

/** Positional values of a saved query's `?` placeholders from named values. */
export function queryValues(q: SavedQuery, values: Record<QueryParameter, string>): string[] {
  return q.parameters.map((p) => values[p]);
}
