import {
  ChimeSDKVoiceClient,
  CreateSipMediaApplicationCallCommand,
  UpdateSipMediaApplicationCallCommand,
} from '@aws-sdk/client-chime-sdk-voice';
import { AdapterError } from '../../core/errors';
import type { PlaceCallRequest, PlaceCallResult, Telephony, UpdateCallRequest } from '../../ports/telephony';
import { describeError, errorName, httpStatus, retryOnError, retryPolicy, type RetryPolicy, type Sleep } from './retry';

// One client per module (Lambda execution environment), created on first use so importing is free.
// The SDK's own retries are off: it would also retry timeouts, after which a call may have been
// placed, and retrying would dial the person twice. This adapter retries only explicit refusals.
let defaultVoiceClient: ChimeSDKVoiceClient | undefined;
const defaultClient = () => (defaultVoiceClient ??= new ChimeSDKVoiceClient({ maxAttempts: 1 }));

/** Options of the Chime SDK Voice telephony adapter. */
export interface ChimeTelephonyOptions {
  sipMediaApplicationId: string;
  /** Chime SDK Voice client; a shared default otherwise. */
  client?: ChimeSDKVoiceClient;
  /** Backoff sleep between retries of throttled calls. */
  sleep?: Sleep;
  /** Attempts per call, the first included (default 4: the dialer's own pacing handles longer throttling). */
  maxAttempts?: number;
  /** Jitter source; for tests. */
  random?: () => number;
}

type Failure = Extract<PlaceCallResult, { ok: false }>;

const THROTTLED = new Set(['ThrottledClientException', 'ResourceLimitExceededException', 'ThrottlingException', 'TooManyRequestsException']);
const UNAVAILABLE = new Set(['ServiceUnavailableException', 'ServiceFailureException', 'ServiceUnavailable', 'InternalServerError']);
const REJECTED = new Set([
  'BadRequestException',
  'NotFoundException',
  'ForbiddenException',
  'AccessDeniedException',
  'UnauthorizedClientException',
  'UnprocessableEntityException',
  'ConflictException',
  'GoneException',
]);

const REFUSED = new Set(['ThrottledClientException', 'ThrottlingException', 'TooManyRequestsException', 'ServiceUnavailableException']);
const isRefusal = (error: unknown) => REFUSED.has(errorName(error)) || httpStatus(error) === 429 || httpStatus(error) === 503;

/**
 * Maps a Chime SDK Voice error to a port outcome; undefined for errors the port has no value for.
 * Exported for tests of the mapping.
 */
export function classifyVoiceError(error: unknown): Failure | undefined {
  const name = errorName(error);
  const message = describeError(error);
  const status = httpStatus(error);
  if (THROTTLED.has(name) || status === 429) return { ok: false, reason: 'throttled', message, retryable: true };
  if (UNAVAILABLE.has(name) || (status !== undefined && status >= 500)) return { ok: false, reason: 'unavailable', message, retryable: true };
  if (REJECTED.has(name)) return { ok: false, reason: 'rejected', message, retryable: false };
  return undefined;
}

/** The Telephony port on a Chime SDK SIP media application. */
export class ChimeTelephony implements Telephony {
  private readonly sipMediaApplicationId: string;
  private readonly client: ChimeSDKVoiceClient;
  private readonly policy: RetryPolicy;

  constructor(options: ChimeTelephonyOptions) {
    this.sipMediaApplicationId = options.sipMediaApplicationId;
    this.client = options.client ?? defaultClient();
    this.policy = retryPolicy({ ...options, maxAttempts: options.maxAttempts ?? 4 });
  }

  async placeCall(request: PlaceCallRequest): Promise<PlaceCallResult> {
    try {
      const out = await this.withRetries(() =>
        this.client.send(
          new CreateSipMediaApplicationCallCommand({
            FromPhoneNumber: request.fromPhoneNumber,
            ToPhoneNumber: request.toPhoneNumber,
            SipMediaApplicationId: this.sipMediaApplicationId,
            ArgumentsMap: request.arguments,
          }),
        ),
      );
      const transactionId = out.SipMediaApplicationCall?.TransactionId;
      if (!transactionId) throw new AdapterError('ChimeSDKVoice', 'CreateSipMediaApplicationCall', 'no transaction id in the response');
      return { ok: true, transactionId };
    } catch (error) {
      return this.failure('CreateSipMediaApplicationCall', error);
    }
  }

  async updateCall(request: UpdateCallRequest): Promise<{ ok: boolean; message?: string }> {
    try {
      await this.withRetries(() =>
        this.client.send(
          new UpdateSipMediaApplicationCallCommand({
            SipMediaApplicationId: this.sipMediaApplicationId,
            TransactionId: request.transactionId,
            Arguments: request.arguments,
          }),
        ),
      );
      return { ok: true };
    } catch (error) {
      const { message } = this.failure('UpdateSipMediaApplicationCall', error);
      return { ok: false, message };
    }
  }

  // Only refusals before any work are retried (Chime did not place the call, so a retry cannot dial twice);
  // a 500 (ServiceFailure) or a quota (ResourceLimitExceeded) goes back to the caller as retryable instead.
  private withRetries<T>(fn: () => Promise<T>): Promise<T> {
    return retryOnError(fn, isRefusal, this.policy);
  }

  /** The port value of an expected failure; anything else (network, a bug) is thrown as an AdapterError. */
  private failure(operation: string, error: unknown): Failure {
    if (error instanceof AdapterError) throw error;
    const mapped = classifyVoiceError(error);
    if (mapped) return mapped;
    throw new AdapterError('ChimeSDKVoice', operation, describeError(error), error);
  }
}
