import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  createMetrics,
  createPowertoolsMetrics,
  MemoryMetrics,
  metricsNamespace,
  noopMetrics,
  PowertoolsMetricsAdapter,
  PRODUCT_METRICS,
} from '../../../lib/core/metrics';

interface Emf {
  _aws: { Timestamp: number; CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] };
  [key: string]: unknown;
}

/** EMF lines (and anything else) written to stdout/stderr while `run` runs. */
function output(run: () => void): { emf: Emf[]; other: string[] } {
  const chunks: string[] = [];
  const sink = (chunk: string | Uint8Array) => {
    chunks.push(String(chunk));
    return true;
  };
  const spies = [vi.spyOn(process.stdout, 'write').mockImplementation(sink), vi.spyOn(process.stderr, 'write').mockImplementation(sink)];
  try {
    run();
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
  const lines = chunks.join('').split('\n').filter((l) => l.trim() !== '');
  const emf: Emf[] = [];
  const other: string[] = [];
  for (const line of lines) {
    try {
      const parsed = JSON.parse(line) as Emf;
      if (parsed._aws) emf.push(parsed);
      else other.push(line);
    } catch {
      other.push(line);
    }
  }
  return { emf, other };
}

describe('PowertoolsMetricsAdapter', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('buffers counters without dimensions into one EMF line per flush, in the configured namespace, with service=reachout', () => {
    const metrics = createPowertoolsMetrics({ namespace: 'Reachout/Test' });
    const { emf, other } = output(() => {
      metrics.count('CallsPlaced');
      metrics.count('CallsPlaced', 2);
      metrics.count('SmaErrors');
      metrics.flush();
    });
    expect(other).toEqual([]);
    expect(emf).toHaveLength(1);
    const [line] = emf;
    const [directive] = line!._aws.CloudWatchMetrics;
    expect(directive).toMatchObject({ Namespace: 'Reachout/Test', Dimensions: [['service']] });
    expect(directive!.Metrics).toEqual(expect.arrayContaining([{ Name: 'CallsPlaced', Unit: 'Count' }, { Name: 'SmaErrors', Unit: 'Count' }]));
    expect(line).toMatchObject({ service: 'reachout', CallsPlaced: [1, 2], SmaErrors: 1 });
  });

  it('writes a metric with dimensions at once, under both the stack-wide and the per-dimension sets', () => {
    const metrics = createPowertoolsMetrics({ namespace: 'Reachout/Test' });
    const { emf } = output(() => metrics.gauge('CallsInFlight', 7, { instanceId: 'i-1' }));
    expect(emf).toHaveLength(1);
    expect(emf[0]!._aws.CloudWatchMetrics[0]!.Dimensions).toEqual([['service'], ['service', 'instanceId']]);
    expect(emf[0]).toMatchObject({ service: 'reachout', instanceId: 'i-1', CallsInFlight: 7 });
  });

  it('writes nothing and warns about nothing when there is nothing to flush; ignores non-finite values', () => {
    const metrics = createPowertoolsMetrics({ namespace: 'Reachout/Test' });
    const { emf, other } = output(() => {
      metrics.count('CallsAnswered', Number.NaN);
      metrics.flush();
    });
    expect(emf).toEqual([]);
    expect(other).toEqual([]);
  });

  it('takes its namespace from POWERTOOLS_METRICS_NAMESPACE', () => {
    vi.stubEnv('POWERTOOLS_METRICS_NAMESPACE', metricsNamespace('Prod'));
    const metrics = createPowertoolsMetrics();
    const { emf } = output(() => {
      metrics.count('TalkSeconds', 42.5, { instanceId: 'i-1' });
    });
    expect(emf[0]!._aws.CloudWatchMetrics[0]).toMatchObject({ Namespace: 'Reachout/Prod', Metrics: [{ Name: 'TalkSeconds', Unit: 'Seconds' }] });
  });
});

describe('createMetrics', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('is Powertools in Lambda and a no-op elsewhere', () => {
    vi.stubEnv('AWS_LAMBDA_FUNCTION_NAME', '');
    expect(createMetrics()).toBe(noopMetrics);
    vi.stubEnv('AWS_LAMBDA_FUNCTION_NAME', 'Reachout-Dialer');
    expect(createMetrics()).toBeInstanceOf(PowertoolsMetricsAdapter);
  });
});

describe('MemoryMetrics', () => {
  it('sums a metric, overall or for one dimension value, and keeps the last gauge value', () => {
    const m = new MemoryMetrics();
    m.count('CallsPlaced', 1, { instanceId: 'a' });
    m.count('CallsPlaced', 2, { instanceId: 'b' });
    m.count('CallsPlaced');
    m.gauge('CallsInFlight', 3);
    m.gauge('CallsInFlight', 5);
    m.flush();
    expect(m.total('CallsPlaced')).toBe(4);
    expect(m.total('CallsPlaced', { instanceId: 'b' })).toBe(2);
    expect(m.last('CallsInFlight')).toBe(5);
    expect(m.last('SmaErrors')).toBeUndefined();
    expect(m.flushes).toBe(1);
  });
});

describe('PRODUCT_METRICS', () => {
  it('names the metrics of the issue, each with a unit CloudWatch accepts, and derives the rates from recorded metrics', () => {
    for (const name of ['CallsPlaced', 'CallsAnswered', 'CallsInFlight', 'CallRate', 'SmaErrors', 'DeadLettered', 'NluNoMatchRate']) expect(PRODUCT_METRICS).toHaveProperty(name);
    for (const [name, def] of Object.entries(PRODUCT_METRICS)) {
      expect(name).toMatch(/^[A-Z][A-Za-z]{2,63}$/);
      expect(['Count', 'Count/Second', 'Percent', 'Seconds']).toContain(def.unit);
      expect(def.description.length).toBeGreaterThan(10);
    }
    expect(PRODUCT_METRICS.CallRate.kind).toBe('derived');
    expect(PRODUCT_METRICS.NluNoMatchRate.kind).toBe('derived');
  });
});
