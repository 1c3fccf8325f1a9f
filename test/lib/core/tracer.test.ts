import { SQSClient } from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it, vi } from 'vitest';

/** Names of the middleware of a client's stack. */
const middlewareOf = (client: SQSClient) => client.middlewareStack.identify().join(' ');

describe('traced', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  it('returns the client untouched outside Lambda', async () => {
    vi.stubEnv('AWS_EXECUTION_ENV', '');
    const { traced } = await import('../../../lib/core/tracer');
    const client = new SQSClient({ region: 'us-east-1' });
    const before = middlewareOf(client);
    expect(traced(client)).toBe(client);
    expect(middlewareOf(client)).toBe(before);
  });

  it('adds the X-Ray middleware in Lambda, and not when POWERTOOLS_TRACE_ENABLED=false', async () => {
    vi.stubEnv('AWS_EXECUTION_ENV', 'AWS_Lambda_nodejs24.x');
    vi.stubEnv('AWS_XRAY_CONTEXT_MISSING', 'IGNORE_ERROR');
    const { traced } = await import('../../../lib/core/tracer');
    const client = traced(new SQSClient({ region: 'us-east-1' }));
    expect(middlewareOf(client)).toMatch(/XRay/i);

    vi.resetModules();
    vi.stubEnv('POWERTOOLS_TRACE_ENABLED', 'false');
    const off = await import('../../../lib/core/tracer');
    const plain = off.traced(new SQSClient({ region: 'us-east-1' }));
    expect(middlewareOf(plain)).not.toMatch(/XRay/i);
  });
});
