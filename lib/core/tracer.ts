import { Tracer } from '@aws-lambda-powertools/tracer';

/**
 * X-Ray tracing of AWS SDK calls (D3) with Powertools for AWS Lambda's Tracer. Lambda's active tracing already records
 * each invocation; {@link traced} adds one subsegment per SDK call (service, operation, latency, throttles and
 * errors), so a slow dial shows whether DynamoDB, SQS or Chime took the time.
 *
 * Tracing is on in Lambda (AWS_EXECUTION_ENV set) unless POWERTOOLS_TRACE_ENABLED=false; elsewhere `traced` returns the
 * client untouched. Cost, measured on the development machine (2 shared cores, load 13–18, see docs/deploy.md): the
 * tracer adds 128 KB to a minified bundle (aws-xray-sdk-core) and about 60 ms of CPU to module initialisation; per
 * call it adds a subsegment (microseconds) and UDP datagrams to the X-Ray daemon. Plain HTTP(S) capture is off: every
 * outgoing request Reachout makes is an SDK call, which would be recorded twice.
 *
 * @module
 */

let tracer: Tracer | undefined;

/** The process-wide tracer (for the middy `captureLambdaHandler` middleware, annotations or metadata). */
export function getTracer(): Tracer {
  tracer ??= new Tracer({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'reachout', captureHTTPsRequests: false });
  return tracer;
}

/** Wraps an AWS SDK v3 client so every call is an X-Ray subsegment when tracing is on; returns the same client. */
export function traced<T extends object>(client: T): T {
  const t = getTracer();
  return t.isTracingEnabled() ? t.captureAWSv3Client(client) : client;
}
