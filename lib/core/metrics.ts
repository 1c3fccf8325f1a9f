import { Metrics as PowertoolsMetrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { inLambda } from './log';

/**
 * Product metrics (D3): what the operator of a calling robot watches, as CloudWatch metrics written in embedded
 * metric format (EMF) by Powertools for AWS Lambda — a JSON log line per flush that CloudWatch turns into metrics, so
 * no PutMetricData call and no extra permission.
 *
 * Every metric lands in the stack's namespace (`POWERTOOLS_METRICS_NAMESPACE`, `Reachout/<stack name>`) with the
 * dimension `service=reachout`; a metric recorded with dimensions (`instanceId`, `queue`) is written with both the
 * `[service]` and the `[service, ...dimensions]` sets, so stack-wide alarms always see it. Alarms and the dashboard
 * (infra/constructs/monitoring.ts) are built from {@link PRODUCT_METRICS}.
 *
 * @module
 */

/** A CloudWatch unit the product metrics use. */
export type MetricUnitName = 'Count' | 'Count/Second' | 'Percent' | 'Seconds';

/** How a metric is recorded: a counter (Sum per period), a level (Maximum/Average), or computed from others. */
export type MetricKind = 'count' | 'gauge' | 'derived';

/** One product metric: what it means, who records it, how it is aggregated. */
export interface ProductMetricDefinition {
  /** Counter, gauge, or derived by metric math in the dashboard and alarms. */
  readonly kind: MetricKind;
  /** CloudWatch unit. */
  readonly unit: MetricUnitName;
  /** What one data point means. */
  readonly description: string;
  /** Where the code records it. */
  readonly recordedBy: string;
}

/** The product metrics, by name. */
export const PRODUCT_METRICS = {
  CallsPlaced: {
    kind: 'count',
    unit: 'Count',
    description: 'Calls Chime accepted (CreateSipMediaApplicationCall succeeded)',
    recordedBy: 'dialer, after placeCall succeeds (dimension instanceId)',
  },
  CallsFailed: {
    kind: 'count',
    unit: 'Count',
    description: 'Calls Chime refused or that failed before anyone answered for a reason other than busy / no answer',
    recordedBy: 'dialer when placeCall fails; SMA handler on a failed call (dimension instanceId)',
  },
  CallsAnswered: {
    kind: 'count',
    unit: 'Count',
    description: 'Calls answered (a person or a machine picked up)',
    recordedBy: 'SMA handler on the answered event (dimension instanceId)',
  },
  CallsInFlight: {
    kind: 'gauge',
    unit: 'Count',
    description: 'Calls holding a concurrency lease right now, all instances together (compare with the concurrent calls quota)',
    recordedBy: 'sweep, once a minute, the sum over instances (and per instance with dimension instanceId)',
  },
  CallRate: {
    kind: 'derived',
    unit: 'Count/Second',
    description: 'Calls placed per second: CallsPlaced / period (compare with the CallsPerSecond parameter)',
    recordedBy: 'computed from CallsPlaced by the dashboard',
  },
  TalkSeconds: {
    kind: 'count',
    unit: 'Seconds',
    description: 'Seconds from answer to hang-up of a finished call (Sum = billed talk time, Average = call length)',
    recordedBy: 'SMA handler at hang-up of an answered call (dimension instanceId)',
  },
  SmaErrors: {
    kind: 'count',
    unit: 'Count',
    description: 'SIP media application failures: ACTION_FAILED / INVALID_LAMBDA_RESPONSE events and handler errors',
    recordedBy: 'SMA handler',
  },
  NluTurns: {
    kind: 'count',
    unit: 'Count',
    description: 'Answers classified by the recogniser (speech or keypad)',
    recordedBy: 'SMA handler after each classified answer (dimension instanceId)',
  },
  NluNoMatches: {
    kind: 'count',
    unit: 'Count',
    description: 'Answers that matched no intent of the node',
    recordedBy: 'SMA handler when the recogniser returns no match (dimension instanceId)',
  },
  NluNoMatchRate: {
    kind: 'derived',
    unit: 'Percent',
    description: 'Share of answers with no match: 100 × NluNoMatches / NluTurns',
    recordedBy: 'computed from NluNoMatches and NluTurns by the dashboard and the alarm',
  },
  DeadLettered: {
    kind: 'count',
    unit: 'Count',
    description: 'Messages a consumer gave up on: failed on their last allowed receive (they go to the dead-letter queue) or dropped as unreadable',
    recordedBy: 'SQS consumers (dialer, tick, worker) when a record fails with receive count >= MAX_RECEIVE_COUNT or cannot be parsed (dimension queue)',
  },
} as const satisfies Record<string, ProductMetricDefinition>;

/** A product metric name. */
export type ProductMetricName = keyof typeof PRODUCT_METRICS;
/** A metric recorded with {@link Metrics.count}. */
export type CountMetricName = { [K in ProductMetricName]: (typeof PRODUCT_METRICS)[K]['kind'] extends 'count' ? K : never }[ProductMetricName];
/** A metric recorded with {@link Metrics.gauge}. */
export type GaugeMetricName = { [K in ProductMetricName]: (typeof PRODUCT_METRICS)[K]['kind'] extends 'gauge' ? K : never }[ProductMetricName];

/** The `service` dimension value of every product metric. */
export const METRICS_SERVICE = 'reachout';
/** Namespace when POWERTOOLS_METRICS_NAMESPACE is not set. */
export const DEFAULT_METRICS_NAMESPACE = 'Reachout';

/** The namespace a stack's functions write to (infra sets POWERTOOLS_METRICS_NAMESPACE to it). */
export function metricsNamespace(stackName: string): string {
  return `${DEFAULT_METRICS_NAMESPACE}/${stackName}`;
}

/** Optional breakdowns of a metric; keep them low-cardinality (each distinct value is a billed CloudWatch metric). */
export interface MetricDimensions {
  /** Tenant. */
  readonly instanceId?: string;
  /** Queue a message came from (DeadLettered). */
  readonly queue?: 'dial' | 'tick' | 'work';
}

/** Records product metrics. */
export interface Metrics {
  /** Adds `value` (default 1) to a counter. */
  count(name: CountMetricName, value?: number, dimensions?: MetricDimensions): void;
  /** Records the current level of a gauge (CallsInFlight). */
  gauge(name: GaugeMetricName, value: number, dimensions?: MetricDimensions): void;
  /** Writes out what was buffered; call once at the end of every invocation (the middy `logMetrics` middleware does it). */
  flush(): void;
}

function cleanDimensions(dimensions: MetricDimensions | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(dimensions ?? {})) if (typeof v === 'string' && v !== '') out[k] = v;
  return out;
}

function unitOf(name: ProductMetricName): (typeof MetricUnit)[keyof typeof MetricUnit] {
  const unit = PRODUCT_METRICS[name].unit;
  return unit === 'Count/Second' ? MetricUnit.CountPerSecond : MetricUnit[unit];
}

/** The {@link Metrics} port on Powertools Metrics (EMF); `powertools` is there for the middy `logMetrics` middleware. */
export class PowertoolsMetricsAdapter implements Metrics {
  /** @param powertools the Powertools metrics instance (namespace and `service` default dimension set). */
  constructor(public readonly powertools: PowertoolsMetrics) {}

  /** @inheritdoc */
  count(name: CountMetricName, value = 1, dimensions?: MetricDimensions): void {
    this.record(name, value, dimensions);
  }

  /** @inheritdoc */
  gauge(name: GaugeMetricName, value: number, dimensions?: MetricDimensions): void {
    this.record(name, value, dimensions);
  }

  /** @inheritdoc */
  flush(): void {
    if (this.powertools.hasStoredMetrics()) this.powertools.publishStoredMetrics();
  }

  private record(name: ProductMetricName, value: number, dimensions: MetricDimensions | undefined): void {
    if (!Number.isFinite(value)) return;
    const dims = cleanDimensions(dimensions);
    if (Object.keys(dims).length === 0) {
      // Buffered: one EMF line per flush holds every value of the invocation.
      this.powertools.addMetric(name, unitOf(name), value);
      return;
    }
    // With dimensions: one line now, with the [service] set (for stack-wide alarms) and the [service, ...dims] set.
    const single = this.powertools.singleMetric();
    single.addDimensions({});
    single.addDimensions(dims);
    single.addMetric(name, unitOf(name), value);
  }
}

/** Options of {@link createPowertoolsMetrics}. */
export interface PowertoolsMetricsOptions {
  /**
   * CloudWatch namespace.
   * @default POWERTOOLS_METRICS_NAMESPACE, else 'Reachout'
   */
  readonly namespace?: string;
}

/** Product metrics in embedded metric format through Powertools. */
export function createPowertoolsMetrics(options: PowertoolsMetricsOptions = {}): PowertoolsMetricsAdapter {
  return new PowertoolsMetricsAdapter(
    new PowertoolsMetrics({
      namespace: options.namespace ?? process.env.POWERTOOLS_METRICS_NAMESPACE ?? DEFAULT_METRICS_NAMESPACE,
      serviceName: METRICS_SERVICE,
    }),
  );
}

/** One recorded data point. */
export interface MetricRecord {
  /** Metric name. */
  readonly name: ProductMetricName;
  /** Value. */
  readonly value: number;
  /** Dimensions it was recorded with. */
  readonly dimensions: Record<string, string>;
}

/** Metrics kept in memory: tests assert on them, the local runtime may show them. */
export class MemoryMetrics implements Metrics {
  /** Every data point, in order. */
  readonly records: MetricRecord[] = [];
  /** How many times {@link flush} ran. */
  flushes = 0;

  /** @inheritdoc */
  count(name: CountMetricName, value = 1, dimensions?: MetricDimensions): void {
    if (Number.isFinite(value)) this.records.push({ name, value, dimensions: cleanDimensions(dimensions) });
  }

  /** @inheritdoc */
  gauge(name: GaugeMetricName, value: number, dimensions?: MetricDimensions): void {
    if (Number.isFinite(value)) this.records.push({ name, value, dimensions: cleanDimensions(dimensions) });
  }

  /** @inheritdoc */
  flush(): void {
    this.flushes++;
  }

  /** Sum of a metric's values, optionally only those recorded with the given dimensions. */
  total(name: ProductMetricName, dimensions?: MetricDimensions): number {
    const want = cleanDimensions(dimensions);
    return this.records
      .filter((r) => r.name === name && Object.entries(want).every(([k, v]) => r.dimensions[k] === v))
      .reduce((sum, r) => sum + r.value, 0);
  }

  /** The last value recorded for a metric. */
  last(name: ProductMetricName): number | undefined {
    for (let i = this.records.length - 1; i >= 0; i--) if (this.records[i]!.name === name) return this.records[i]!.value;
    return undefined;
  }
}

/** Metrics that go nowhere. */
export const noopMetrics: Metrics = { count: () => {}, gauge: () => {}, flush: () => {} };

/** Powertools metrics in Lambda; nothing elsewhere (pass a {@link MemoryMetrics} to see them in tests or locally). */
export function createMetrics(): Metrics {
  return inLambda() ? createPowertoolsMetrics() : noopMetrics;
}
