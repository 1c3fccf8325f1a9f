import type { FirehoseTransformationEvent } from 'aws-lambda';
import { transformRecord, type FirehoseOutputRecord } from '../lib/analytics/firehose';
import { createLogger } from '../lib/core/log';

const log = createLogger({ service: 'analytics-transform' });

/**
 * Firehose data transformation of the analytics streams (SPEC R7): maps each wrapped EventBridge event to its
 * dataset's rows with the same code the local runtime uses (lib/analytics/rows.ts) and returns the partition keys
 * for dynamic partitioning. Never throws for a bad record: it is returned as ProcessingFailed and lands under the
 * stream's error prefix.
 */
export const handler = async (event: FirehoseTransformationEvent): Promise<{ records: FirehoseOutputRecord[] }> => ({
  records: event.records.map((record) => transformRecord(record, log)),
});
