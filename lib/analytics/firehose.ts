import * as z from 'zod';
import type { Logger } from '../core/log';
import { DATASET_NAMES, fileColumns, type DatasetName } from './datasets';
import { EventEnvelope, mapEventFor } from './rows';

/**
 * The Firehose data-transformation step of the AWS delivery path (functions/analytics-transform.ts). Each
 * EventBridge rule sends its dataset's events to that dataset's Firehose stream wrapped by an input transformer as
 * `{"dataset": "<name>", "event": <the EventBridge event>}`; this turns each record into the dataset's rows (one
 * row, or one per transcript turn for `turns`) as concatenated JSON objects, which Firehose's record format
 * conversion reads ("{...}{...}" in one record is valid input) and writes as Parquet against the Glue table, and
 * returns the partition keys for dynamic partitioning. Every row of one record shares its partition (a call's turns
 * are partitioned by the call's day), which is what lets one record carry several rows.
 */

/** What an EventBridge rule target sends to a dataset's stream (the input transformer's template). */
export const DeliveryRecord = z.object({ dataset: z.enum(DATASET_NAMES), event: EventEnvelope });
/** A record of a dataset stream. */
export type DeliveryRecord = z.infer<typeof DeliveryRecord>;

/** The input template of the rule target of a dataset's stream (EventBridge fills in the whole event). */
export const deliveryInputTemplate = (dataset: DatasetName) => `{"dataset":"${dataset}","event":<aws.events.event.json>}`;

/** A Firehose transformation input record. */
export interface FirehoseInputRecord {
  recordId: string;
  data: string;
}

/** A Firehose transformation output record (with dynamic partitioning keys). */
export interface FirehoseOutputRecord {
  recordId: string;
  result: 'Ok' | 'Dropped' | 'ProcessingFailed';
  data: string;
  metadata?: { partitionKeys: Record<string, string> };
}

/** The JSON of a row for Firehose's conversion: the file's columns only (partition keys are in the path). */
export function rowJson(dataset: DatasetName, row: Record<string, unknown>): string {
  const out: Record<string, unknown> = {};
  for (const c of fileColumns(dataset)) out[c.name] = row[c.name] ?? null;
  return JSON.stringify(out);
}

/**
 * Transforms one record: Ok with the rows and partition keys; Dropped when the event has no row for the dataset
 * (e.g. a call without turns); ProcessingFailed when it cannot be read or mapped, so Firehose writes it under the
 * error prefix (`processing-failed/`) instead of losing it.
 */
export function transformRecord(record: FirehoseInputRecord, log?: Logger): FirehoseOutputRecord {
  const failed = (message: string): FirehoseOutputRecord => {
    log?.warn('analytics record rejected', { recordId: record.recordId, message });
    return { recordId: record.recordId, result: 'ProcessingFailed', data: record.data };
  };
  let input: unknown;
  try {
    input = JSON.parse(Buffer.from(record.data, 'base64').toString('utf8'));
  } catch (error) {
    return failed(`not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  const parsed = DeliveryRecord.safeParse(input);
  if (!parsed.success) return failed(`not a delivery record: ${z.prettifyError(parsed.error).replace(/\n/g, '; ')}`);
  const { dataset, event } = parsed.data;
  const { rows, problems } = mapEventFor(dataset, event);
  if (problems.length > 0) return failed(problems.map((p) => p.message).join('; '));
  if (rows.length === 0) return { recordId: record.recordId, result: 'Dropped', data: record.data };
  const first = rows[0]!.row;
  const partitionKeys = { instance_id: first.instance_id, dt: first.dt };
  if (rows.some((r) => r.row.instance_id !== partitionKeys.instance_id || r.row.dt !== partitionKeys.dt)) {
    return failed('rows of one record span several partitions');
  }
  const data = rows.map((r) => rowJson(dataset, r.row)).join('\n') + '\n';
  return { recordId: record.recordId, result: 'Ok', data: Buffer.from(data, 'utf8').toString('base64'), metadata: { partitionKeys } };
}
