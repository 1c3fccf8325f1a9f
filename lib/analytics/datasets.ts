import * as z from 'zod';
import type { ParquetColumn, ParquetColumnType } from './parquet';

/**
 * The analytics datasets (SPEC R7): one zod schema per dataset is the single source of its columns. The Glue
 * tables (infra/constructs/analytics.ts), the Parquet files written locally (local/analytics.ts), the rows the
 * Firehose transformation hands to Firehose's Parquet conversion (functions/analytics-transform.ts), the DuckDB
 * views of `npm run query` and the column tables in docs/analytics.md are all generated from these schemas.
 *
 * Conventions:
 * - names are snake_case (Athena lower-cases names);
 * - every column is nullable except the row's id; times are ISO 8601 strings in UTC (what the events carry), so
 *   both engines compare them as text and parse them when needed (`from_iso8601_timestamp` in Athena,
 *   `CAST(x AS TIMESTAMP)` in DuckDB);
 * - `instance_id` and `dt` (YYYY-MM-DD, UTC) are the Hive partition keys: they are in the path
 *   (`analytics/<dataset>/instance_id=<id>/dt=<day>/`), not in the files;
 * - `event_id` / `event_time` name the event a row came from: events are delivered at least once, so the same
 *   row can be written twice; queries keep one row per dataset key (see `DATASET_KEYS` and queries.ts).
 */

/** The dataset names, also the Glue table and DuckDB view names. */
export const DATASET_NAMES = ['calls', 'turns', 'jobs', 'events'] as const;
/** A dataset name. */
export type DatasetName = (typeof DATASET_NAMES)[number];

/** Key prefix of the datasets in the data bucket (equals DATA_PREFIXES.analytics of infra/constructs/data.ts). */
export const ANALYTICS_PREFIX = 'analytics/';

/** Where failed records go (Firehose's error output locally and in AWS); outside every dataset's folder. */
export const ANALYTICS_ERRORS_PREFIX = `${ANALYTICS_PREFIX}errors/`;

/** The folder of a dataset's partition, as Firehose's dynamic partitioning and the Glue location template spell it. */
export const partitionPrefix = (dataset: DatasetName, instanceId: string, day: string) =>
  `${ANALYTICS_PREFIX}${dataset}/instance_id=${instanceId}/dt=${day}/`;

/** Hive partition keys, in path order. */
export const PARTITION_KEYS = ['instance_id', 'dt'] as const;

/** A partition value must be usable as an S3 path segment and a SQL literal. */
const InstanceId = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]*$/, 'letters, digits and _ . : - only')
  .describe('Instance (tenant) id; Hive partition key');
const Day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD')
  .describe('Day (UTC) of the row, YYYY-MM-DD; Hive partition key');

const str = (description: string) => z.string().nullable().describe(description);
const int = (description: string) => z.int32().nullable().describe(description);
const dbl = (description: string) => z.number().nullable().describe(description);
const bool = (description: string) => z.boolean().nullable().describe(description);
const map = (description: string) => z.record(z.string(), z.string()).nullable().describe(description);
const time = (description: string) => str(`${description} (ISO 8601, UTC)`);

const eventColumns = {
  event_id: z.string().describe('Stable id of the event the row came from (detail.eventId)'),
  event_time: time('Time of that event'),
};

/** `calls`: one row per call detail record (SPEC T4), from CallFinished. Key: call_id. */
export const CallsRow = z.object({
  call_id: z.string().describe('Call id (shared by events, CDR and recording)'),
  campaign_id: str('Campaign id'),
  job_id: str('Job id'),
  attempt: int('Attempt number of the job (1 = first call)'),
  transaction_id: str('Chime transaction id'),
  caller: str('Caller number, E.164'),
  callee: str('Callee number, E.164'),
  reference_id: str("Contact's reference id"),
  scenario_id: str('Scenario id'),
  scenario_version: int('Scenario version'),
  planned_at: time('When the call was planned'),
  dialled_at: time('When it was dialled'),
  rung_at: time('When it started ringing'),
  answered_at: time('When it was answered'),
  ended_at: time('When it ended'),
  ring_seconds: dbl('Seconds of ringing'),
  talk_seconds: dbl('Seconds of conversation'),
  turns: int('Dialog turns'),
  user_turns: int('Turns in which the person said or keyed something (from the transcript; null when the event had none)'),
  answered: bool('A person (or machine) answered'),
  completed: bool('The main flow was completed'),
  transferred: bool('The call was transferred to an agent'),
  no_match_hangup: bool('The call ended after a no-match (R5)'),
  hangup_party: str('Who hung up: robot, person or system'),
  hangup_node: str('Dialog node at hang-up'),
  hangup_reason: str('Why: node, noMatch, silence, maxTurns, person, error, maxRing, stopped...'),
  status: str('Call status (T3): Succeeded, NoAnswer, Busy...'),
  sip_code: int('Final SIP code'),
  recording_key: str('Key of the recording in the recordings bucket'),
  intent_grade: str('Intention grade A–E of the call, when the scenario grades calls (R2)'),
  tags: map('Tags the dialog set'),
  ...eventColumns,
  instance_id: InstanceId,
  dt: Day.describe('Day (UTC) the call was dialled; Hive partition key'),
});
/** A calls row. */
export type CallsRow = z.infer<typeof CallsRow>;

/** `turns`: one row per transcript turn (SPEC T6), from CallFinished's turns. Key: (call_id, turn_index). */
export const TurnsRow = z.object({
  call_id: z.string().describe('Call id'),
  turn_index: z.int32().describe('Turn number in the call, from 0'),
  campaign_id: str('Campaign id'),
  job_id: str('Job id'),
  turn_time: time('When the turn happened'),
  node_id: str('Dialog node'),
  prompt: str('What the robot said'),
  user_text: str('What the person said or keyed'),
  intent: str('Matched intent'),
  score: dbl('Score of the match (0–1)'),
  recognizer: str("Who decided the intent when the scenario's own recogniser was asked (S9): lex, bedrock-embeddings, bedrock-converse or builtin-fallback; null for the built-in recogniser"),
  outcome: str('matched, noMatch, silence, globalQuestion, prompt or hangup'),
  ...eventColumns,
  instance_id: InstanceId,
  dt: Day.describe("Day (UTC) the call was dialled (a call's turns share its partition); Hive partition key"),
});
/** A turns row. */
export type TurnsRow = z.infer<typeof TurnsRow>;

/** `jobs`: one row per finished job, from JobComplete. Key: job_id. */
export const JobsRow = z.object({
  job_id: z.string().describe('Job id'),
  campaign_id: str('Campaign id'),
  status: str('Final job status: Succeeded, Failed or Cancelled'),
  failure_reason: str('Why it failed or was cancelled (T3)'),
  attempts: int('Calls made for the job'),
  phone: str("Contact's number, E.164"),
  contact_name: str("Contact's name"),
  reference_id: str("Contact's reference id"),
  last_call_id: str('Id of the last call'),
  last_call_status: str('Status of the last call'),
  answered: bool('Some call of the job was answered'),
  intent_grade: str('Intention grade A–E of the job (R2)'),
  tags: map('Tags of the job'),
  variables: map("Contact's variables"),
  extras: map('Extras of the job (seed 002 key/value pairs)'),
  completed_at: time('When the job finished'),
  ...eventColumns,
  instance_id: InstanceId,
  dt: Day.describe('Day (UTC) the job finished; Hive partition key'),
});
/** A jobs row. */
export type JobsRow = z.infer<typeof JobsRow>;

/** `events`: one row per published event, whatever its type. Key: event_id. */
export const EventsRow = z.object({
  event_id: z.string().describe('Stable event id (detail.eventId)'),
  detail_type: str('Event type: Dialing, CallFinished, JobComplete...'),
  source: str('Event source'),
  event_time: time('Event time'),
  campaign_id: str('detail.campaignId, when present'),
  job_id: str('detail.jobId, when present'),
  call_id: str('detail.callId, when present'),
  detail: str('The whole detail as JSON'),
  instance_id: InstanceId,
  dt: Day.describe('Day (UTC) of the event; Hive partition key'),
});
/** An events row. */
export type EventsRow = z.infer<typeof EventsRow>;

/** The row schema of each dataset. */
export const DATASET_SCHEMAS = { calls: CallsRow, turns: TurnsRow, jobs: JobsRow, events: EventsRow } as const;

/** A row of some dataset. */
export type DatasetRow =
  | { dataset: 'calls'; row: CallsRow }
  | { dataset: 'turns'; row: TurnsRow }
  | { dataset: 'jobs'; row: JobsRow }
  | { dataset: 'events'; row: EventsRow };

/** The columns that identify a row: duplicates (the same key twice) are removed in queries by these. */
export const DATASET_KEYS: Record<DatasetName, readonly string[]> = {
  calls: ['call_id'],
  turns: ['call_id', 'turn_index'],
  jobs: ['job_id'],
  events: ['event_id'],
};

/** One column of a dataset, derived from its zod schema. */
export interface DatasetColumn {
  name: string;
  /** Hive/Glue type. */
  type: ParquetColumnType;
  description: string;
  /** The row always has it (the id columns and the partition keys). */
  required: boolean;
  /** Partition key (in the path, not in the file). */
  partition: boolean;
}

type JsonSchema = { type?: string | string[]; anyOf?: JsonSchema[]; additionalProperties?: JsonSchema; description?: string };

function typeOf(name: string, s: JsonSchema): { type: ParquetColumnType; nullable: boolean } {
  if (s.anyOf) {
    const parts = s.anyOf.filter((p) => p.type !== 'null');
    if (parts.length !== 1) throw new Error(`analytics column ${name}: unsupported union`);
    return { type: typeOf(name, parts[0]!).type, nullable: parts.length !== s.anyOf.length };
  }
  const types = Array.isArray(s.type) ? s.type : [s.type];
  const nullable = types.includes('null');
  const t = types.filter((x) => x !== 'null');
  if (t.length !== 1) throw new Error(`analytics column ${name}: unsupported type ${JSON.stringify(s.type)}`);
  switch (t[0]) {
    case 'string':
      return { type: 'string', nullable };
    case 'integer':
      return { type: 'int', nullable };
    case 'number':
      return { type: 'double', nullable };
    case 'boolean':
      return { type: 'boolean', nullable };
    case 'object':
      if (s.additionalProperties?.type === 'string') return { type: 'map<string,string>', nullable };
  }
  throw new Error(`analytics column ${name}: unsupported type ${JSON.stringify(s)}`);
}

const columnCache = new Map<DatasetName, readonly DatasetColumn[]>();

/** The columns of a dataset in schema order, partition keys last; derived from the zod schema. */
export function datasetColumns(dataset: DatasetName): readonly DatasetColumn[] {
  const cached = columnCache.get(dataset);
  if (cached) return cached;
  const json = z.toJSONSchema(DATASET_SCHEMAS[dataset], { io: 'output' }) as { properties: Record<string, JsonSchema> };
  const columns = Object.entries(json.properties).map(([name, schema]) => {
    const { type, nullable } = typeOf(name, schema);
    return {
      name,
      type,
      description: schema.description ?? schema.anyOf?.find((p) => p.description)?.description ?? '',
      required: !nullable,
      partition: (PARTITION_KEYS as readonly string[]).includes(name),
    };
  });
  const ordered = [...columns.filter((c) => !c.partition), ...PARTITION_KEYS.map((k) => columns.find((c) => c.name === k)!)];
  columnCache.set(dataset, ordered);
  return ordered;
}

/** The columns stored in the dataset's Parquet files (every column but the partition keys). */
export function fileColumns(dataset: DatasetName): ParquetColumn[] {
  return datasetColumns(dataset)
    .filter((c) => !c.partition)
    .map((c) => ({ name: c.name, type: c.type }));
}

/** Glue columns (name, Hive type) of a dataset's table, without the partition keys. */
export function glueColumns(dataset: DatasetName): { name: string; type: string; comment: string }[] {
  return datasetColumns(dataset)
    .filter((c) => !c.partition)
    .map((c) => ({ name: c.name, type: c.type, comment: c.description.slice(0, 255) }));
}
