import { afterEach, describe, expect, it, vi } from 'vitest';
import { addLambdaContext, correlated, createLogger, createPowertoolsLogger, jsonLogger, parseLogLevel, PowertoolsLoggerAdapter, serializeError, type Logger } from '../../../lib/core/log';

class CallFailed extends Error {
  override readonly name = 'CallFailed';
  constructor(
    message: string,
    readonly context: Record<string, unknown>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A logger writing into an array, and the parsed lines. */
function captured(level: 'debug' | 'info' = 'debug'): { log: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  return { log: jsonLogger({ service: 'test' }, level, (line) => lines.push(JSON.parse(line) as Record<string, unknown>)), lines };
}

/** Lines Powertools writes to stdout and stderr (warnings and errors) while `run` runs, in order. */
function stdoutOf(run: () => void): Record<string, unknown>[] {
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
  return chunks
    .join('')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

const failure = () => new CallFailed('Chime refused +12065505404', { callee: '+12065505404' }, { cause: new Error('ThrottlingException at 2024-03-01T23:00:38Z') });

/** The same behaviour, whichever implementation writes the line. */
function contract(name: string, make: () => { log: Logger; read: (run: () => void) => Record<string, unknown>[] }) {
  describe(name, () => {
    it('writes one JSON line with level, message, timestamp and the fields', () => {
      const { log, read } = make();
      const [line] = read(() => log.info('campaign started', { campaignId: 'c1', count: 3 }));
      expect(line).toMatchObject({ level: 'INFO', message: 'campaign started', campaignId: 'c1', count: 3 });
      expect(line!.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    });

    it('masks phone numbers in the message, in text fields and in phone fields holding numbers, and keeps timestamps', () => {
      const { log, read } = make();
      const [line] = read(() =>
        log.warn('calling (206) 550-5404', { callee: 12065505404, note: 'or +1 (206) 550-5405', at: '2024-03-01T23:00:38Z', nowMs: 1709334038000 }),
      );
      expect(line).toMatchObject({ message: 'calling (***) ***-**04', callee: '*********04', note: 'or +1 (***) ***-**05', at: '2024-03-01T23:00:38Z', nowMs: 1709334038000 });
      expect(JSON.stringify(line)).not.toMatch(/550-540|5505404/);
    });

    it('keeps an error\'s name, message, stack and cause chain, masked', () => {
      const { log, read } = make();
      const [line] = read(() => log.error('dial failed', { error: failure() }));
      const error = line!.error as Record<string, unknown>;
      expect(error).toMatchObject({ name: 'CallFailed', message: 'Chime refused +1********04', context: { callee: '+1********04' } });
      expect(String(error.stack)).toContain('CallFailed: Chime refused +1********04');
      expect(String(error.stack)).toMatch(/log\.test\.ts/);
      expect(error.cause).toMatchObject({ name: 'Error', message: 'ThrottlingException at 2024-03-01T23:00:38Z' });
      expect(String((error.cause as Record<string, unknown>).stack)).toContain('ThrottlingException');
    });

    it('puts correlation ids on every line of a child logger, and not on the parent\'s', () => {
      const { log, read } = make();
      const lines = read(() => {
        const call = correlated(log, { campaignId: 'c1', jobId: 'j1', callId: 'k1', transactionId: undefined });
        call.info('answered');
        call.child({ attempt: 2 }).info('retry');
        log.info('parent');
      });
      expect(lines[0]).toMatchObject({ message: 'answered', campaignId: 'c1', jobId: 'j1', callId: 'k1' });
      expect(lines[0]).not.toHaveProperty('transactionId');
      expect(lines[1]).toMatchObject({ message: 'retry', campaignId: 'c1', callId: 'k1', attempt: 2 });
      expect(lines[2]).not.toHaveProperty('campaignId');
    });

    it('keeps fields named like reserved keys under a trailing underscore instead of dropping them', () => {
      const { log, read } = make();
      const [line] = read(() => log.info('x', { level: 'campaign', service: 'billing' }));
      expect(line).toMatchObject({ level: 'INFO', level_: 'campaign', service_: 'billing' });
    });
  });
}

contract('jsonLogger', () => {
  const lines: Record<string, unknown>[] = [];
  const log = jsonLogger({}, 'debug', (l) => lines.push(JSON.parse(l) as Record<string, unknown>));
  return {
    log,
    read: (run) => {
      lines.length = 0;
      run();
      return [...lines];
    },
  };
});

contract('Powertools logger', () => {
  const log = createPowertoolsLogger({ service: 'test', level: 'debug' });
  return { log, read: stdoutOf };
});

describe('jsonLogger', () => {
  it('drops entries below its level', () => {
    const { log, lines } = captured('info');
    log.debug('hidden');
    log.info('shown');
    expect(lines.map((l) => l.message)).toEqual(['shown']);
  });

  it('survives cycles and bigints', () => {
    const { log, lines } = captured();
    const loop: Record<string, unknown> = { id: 'a' };
    loop.self = loop;
    log.info('x', { loop, big: 10n ** 20n });
    expect(lines[0]).toMatchObject({ loop: { id: 'a', self: '[circular]' }, big: '100000000000000000000' });
  });
});

describe('createLogger', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('is the plain JSON writer outside Lambda and Powertools inside', () => {
    vi.stubEnv('AWS_LAMBDA_FUNCTION_NAME', '');
    expect(createLogger({ service: 'local' })).not.toBeInstanceOf(PowertoolsLoggerAdapter);
    vi.stubEnv('AWS_LAMBDA_FUNCTION_NAME', 'Reachout-Dialer');
    const log = createLogger({ service: 'dialer', region: 'us-east-1' }, 'info');
    expect(log).toBeInstanceOf(PowertoolsLoggerAdapter);
    const [line] = stdoutOf(() => log.info('hello'));
    expect(line).toMatchObject({ service: 'dialer', region: 'us-east-1', message: 'hello' });
  });

  it('writes through the given function whatever the environment', () => {
    vi.stubEnv('AWS_LAMBDA_FUNCTION_NAME', 'Reachout-Dialer');
    const lines: string[] = [];
    createLogger({}, 'info', (l) => lines.push(l)).info('x');
    expect(lines).toHaveLength(1);
  });
});

describe('addLambdaContext', () => {
  it('puts the function name, request id and cold start on the lines of a Powertools logger, and leaves others alone', () => {
    const log = createPowertoolsLogger({ service: 'dialer' });
    const context = { functionName: 'Reachout-Dialer', awsRequestId: 'req-1', invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:Reachout-Dialer', memoryLimitInMB: '512' };
    addLambdaContext(log, context as never);
    const [line] = stdoutOf(() => log.info('placed'));
    expect(line).toMatchObject({ function_name: 'Reachout-Dialer', function_request_id: 'req-1', cold_start: expect.any(Boolean), function_arn: context.invokedFunctionArn });
    const { log: plain, lines } = captured();
    addLambdaContext(plain, context as never);
    plain.info('x');
    expect(lines[0]).not.toHaveProperty('function_name');
  });
});

describe('serializeError', () => {
  it('follows causes and aggregate errors and stops at cycles', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    (a as { cause?: unknown }).cause = b;
    const agg = new AggregateError([b], 'all failed');
    const out = serializeError(agg);
    expect(out).toMatchObject({ name: 'AggregateError', message: 'all failed', errors: [{ message: 'b', cause: { message: 'a', cause: '[circular]' } }] });
  });
});

describe('parseLogLevel', () => {
  it('reads Lambda and Powertools level names', () => {
    expect(['TRACE', 'debug', 'INFO', 'WARN', 'ERROR', 'CRITICAL', 'FATAL', 'nope', undefined].map(parseLogLevel)).toEqual(['debug', 'debug', 'info', 'warn', 'error', 'error', 'error', undefined, undefined]);
  });
});
