import { randomUUID } from 'node:crypto';
import { ANALYTICS_ERRORS_PREFIX, fileColumns, partitionPrefix, type DatasetName, type DatasetRow } from '../lib/analytics/datasets';
import { writeParquet, type ParquetWriteOptions } from '../lib/analytics/parquet';
import { mapEvent, type RowProblem } from '../lib/analytics/rows';
import { silentLogger, type Logger } from '../lib/core/log';
import type { Blobs } from '../lib/ports/blobs';
import type { Clock } from '../lib/ports/clock';
import type { BusEnvelope, LocalBus } from './bus';

/**
 * The local stand-in of the AWS delivery path of the analytics datasets (SPEC R7). In AWS, EventBridge rules send
 * events to one Firehose stream per dataset, a transformation Lambda maps them to rows (lib/analytics/rows.ts),
 * and Firehose buffers, partitions by `instance_id`/`dt` and converts to Parquet against the Glue table. Here one
 * bus rule with a function target receives every event, the same mapping makes the rows, and this class buffers
 * them per partition and writes Parquet files in the same layout under the data blob store:
 * `analytics/<dataset>/instance_id=<id>/dt=<day>/reachout-<dataset>-<time>-<uuid>.parquet`.
 *
 * Like Firehose, a buffer is written when it reaches `maxRows` rows, when its oldest row is `maxAgeMs` old on the
 * platform clock, and on flush()/close(); records that cannot be mapped go to `analytics/errors/<dataset>/
 * processing-failed/` as JSON, as Firehose's error output does. A failed write keeps the rows for the next flush.
 * Duplicated events give duplicated rows, as in AWS: queries de-duplicate (lib/analytics/queries.ts).
 */

/** Options of the local analytics writer. */
export interface LocalAnalyticsOptions {
  /** Rows per partition buffer before it is written (Firehose: buffer size). Default 5,000. */
  maxRows?: number;
  /** Clock time a buffer waits at most before it is written (Firehose: buffer interval). Default 60 s. */
  maxAgeMs?: number;
  /** Parquet options (default GZIP). */
  parquet?: ParquetWriteOptions;
  /** Name of the bus rule. */
  ruleName?: string;
  log?: Logger;
}

/** Counters of what was written. */
export interface LocalAnalyticsStats {
  files: number;
  rows: Record<DatasetName, number>;
  problems: number;
  writeFailures: number;
}

interface Buffer {
  dataset: DatasetName;
  instanceId: string;
  day: string;
  rows: Record<string, unknown>[];
  /** Bumped on each write, so a stale age timer of an earlier buffer does nothing. */
  generation: number;
}

/** Buffers dataset rows per partition and writes them as Parquet files into a blob store. */
export class LocalAnalytics {
  private readonly buffers = new Map<string, Buffer>();
  private readonly writes = new Set<Promise<void>>();
  private readonly maxRows: number;
  private readonly maxAgeMs: number;
  private readonly log: Logger;
  private closed = false;
  readonly stats: LocalAnalyticsStats = { files: 0, rows: { calls: 0, turns: 0, jobs: 0, events: 0 }, problems: 0, writeFailures: 0 };

  constructor(
    private readonly blobs: Blobs,
    private readonly clock: Clock,
    private readonly options: LocalAnalyticsOptions = {},
  ) {
    this.maxRows = Math.max(1, options.maxRows ?? 5_000);
    this.maxAgeMs = Math.max(0, options.maxAgeMs ?? 60_000);
    this.log = (options.log ?? silentLogger).child({ component: 'analytics' });
  }

  /** Subscribes to every event of the bus with a function target (one rule), like the AWS rules feeding Firehose. */
  attach(bus: LocalBus): this {
    bus.addRule({
      name: this.options.ruleName ?? 'analytics-datasets',
      pattern: { source: [{ prefix: '' }] },
      targets: [{ kind: 'function', name: 'analytics-datasets', handler: async (event: BusEnvelope) => this.accept(event) }],
    });
    return this;
  }

  /** Maps one event into rows and buffers them (the bus rule's target). */
  async accept(event: BusEnvelope): Promise<void> {
    const { rows, problems } = mapEvent({ id: event.id, 'detail-type': event['detail-type'], source: event.source, time: event.time, detail: event.detail });
    if (problems.length > 0) await this.reject(event, problems);
    for (const r of rows) this.add(r);
  }

  /** Buffers one row; writes its partition when the buffer is full. */
  add(entry: DatasetRow): void {
    if (this.closed) throw new Error('local analytics writer is closed');
    const { dataset, row } = entry;
    const key = `${dataset}/${row.instance_id}/${row.dt}`;
    let buffer = this.buffers.get(key);
    if (!buffer) {
      buffer = { dataset, instanceId: row.instance_id, day: row.dt, rows: [], generation: 0 };
      this.buffers.set(key, buffer);
    }
    if (buffer.rows.length === 0) this.scheduleAgeFlush(key, buffer.generation);
    buffer.rows.push(row);
    if (buffer.rows.length >= this.maxRows) this.track(this.write(key));
  }

  /** Writes every buffer now and waits for all writes in progress. */
  async flush(): Promise<void> {
    for (const key of [...this.buffers.keys()]) this.track(this.write(key));
    await this.settled();
  }

  /** Waits for the writes in progress (buffers not yet due stay buffered). */
  async settled(): Promise<void> {
    while (this.writes.size > 0) await Promise.all([...this.writes]);
  }

  /** Flushes and stops accepting rows. */
  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
  }

  private scheduleAgeFlush(key: string, generation: number): void {
    void this.clock.sleep(this.maxAgeMs).then(() => {
      const buffer = this.buffers.get(key);
      if (!this.closed && buffer && buffer.generation === generation && buffer.rows.length > 0) this.track(this.write(key));
    });
  }

  private track(write: Promise<void>): void {
    this.writes.add(write);
    void write.finally(() => this.writes.delete(write));
  }

  private async write(key: string): Promise<void> {
    const buffer = this.buffers.get(key);
    if (!buffer || buffer.rows.length === 0) return;
    const rows = buffer.rows;
    buffer.rows = [];
    buffer.generation++;
    const now = new Date(this.clock.now()).toISOString();
    const stamp = now.slice(0, 19).replace(/[-T:]/g, '-');
    const file = `${partitionPrefix(buffer.dataset, buffer.instanceId, buffer.day)}reachout-${buffer.dataset}-1-${stamp}-${randomUUID()}.parquet`;
    try {
      const bytes = writeParquet(fileColumns(buffer.dataset), rows, { createdBy: 'reachout local analytics', ...this.options.parquet });
      await this.blobs.put(file, bytes, 'application/vnd.apache.parquet');
      this.stats.files++;
      this.stats.rows[buffer.dataset] += rows.length;
    } catch (error) {
      // Keep the rows (first, in order) for the next flush, as Firehose retries a failed delivery.
      this.stats.writeFailures++;
      buffer.rows = [...rows, ...buffer.rows];
      if (!this.closed) this.scheduleAgeFlush(key, buffer.generation);
      this.log.error('analytics file not written; will retry', { file, rows: rows.length, error });
    }
  }

  private async reject(event: BusEnvelope, problems: RowProblem[]): Promise<void> {
    this.stats.problems += problems.length;
    const day = new Date(this.clock.now()).toISOString().slice(0, 10).replace(/-/g, '/');
    for (const dataset of new Set(problems.map((p) => p.dataset))) {
      const mine = problems.filter((p) => p.dataset === dataset);
      this.log.warn('analytics record rejected', { dataset, detailType: mine[0]!.detailType, eventId: mine[0]!.eventId, problems: mine.map((p) => p.message) });
      const record = { errorCode: 'Lambda.ProcessingFailed', errorMessage: mine.map((p) => p.message).join('; '), rawData: event };
      await this.blobs
        .put(`${ANALYTICS_ERRORS_PREFIX}${dataset}/processing-failed/${day}/${randomUUID()}.json`, JSON.stringify(record) + '\n', 'application/json')
        .catch((error: unknown) => this.log.error('analytics error record not written', { dataset, error }));
    }
  }
}

/**
 * Starts the local analytics writer on a bus and blob store (the one-line wiring of local/platform.ts:
 * `const analytics = attachLocalAnalytics(bus, blobs.data, clock, { log });`, then `await analytics.close()` on close).
 */
export function attachLocalAnalytics(bus: LocalBus, blobs: Blobs, clock: Clock, options: LocalAnalyticsOptions = {}): LocalAnalytics {
  return new LocalAnalytics(blobs, clock, options).attach(bus);
}
