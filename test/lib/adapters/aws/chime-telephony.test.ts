import {
  BadRequestException,
  ChimeSDKVoiceClient,
  CreateSipMediaApplicationCallCommand,
  ForbiddenException,
  NotFoundException,
  ResourceLimitExceededException,
  ServiceFailureException,
  ServiceUnavailableException,
  ThrottledClientException,
  UpdateSipMediaApplicationCallCommand,
} from '@aws-sdk/client-chime-sdk-voice';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { ChimeTelephony, classifyVoiceError } from '../../../../lib/adapters/aws/chime-telephony';
import { AdapterError } from '../../../../lib/core/errors';

const voice = mockClient(ChimeSDKVoiceClient);
let sleeps: number[];
const telephony = (maxAttempts?: number) =>
  new ChimeTelephony({
    sipMediaApplicationId: 'sma-1',
    client: voice as unknown as ChimeSDKVoiceClient,
    sleep: async (ms) => void sleeps.push(ms),
    maxAttempts,
  });
const request = { fromPhoneNumber: '+14155550100', toPhoneNumber: '+14155550199', arguments: { jobId: 'J1', instanceId: 'I1' } };
const meta = { $metadata: {} };

beforeEach(() => {
  voice.reset();
  sleeps = [];
});

describe('ChimeTelephony', () => {
  it('places a call through the SIP media application and returns its transaction id', async () => {
    voice.on(CreateSipMediaApplicationCallCommand).resolves({ SipMediaApplicationCall: { TransactionId: 'tx-1' } });
    expect(await telephony().placeCall(request)).toEqual({ ok: true, transactionId: 'tx-1' });
    expect(voice.commandCalls(CreateSipMediaApplicationCallCommand)[0]!.args[0].input).toEqual({
      FromPhoneNumber: '+14155550100',
      ToPhoneNumber: '+14155550199',
      SipMediaApplicationId: 'sma-1',
      ArgumentsMap: { jobId: 'J1', instanceId: 'I1' },
    });
  });

  it('retries a throttled call and succeeds when Chime accepts it', async () => {
    voice
      .on(CreateSipMediaApplicationCallCommand)
      .rejectsOnce(new ThrottledClientException({ message: 'Rate exceeded', ...meta }))
      .rejectsOnce(new ServiceUnavailableException({ message: 'busy', ...meta }))
      .resolves({ SipMediaApplicationCall: { TransactionId: 'tx-2' } });
    expect(await telephony().placeCall(request)).toEqual({ ok: true, transactionId: 'tx-2' });
    expect(sleeps).toHaveLength(2);
  });

  it('maps throttling that outlasts the retries to a retryable throttled outcome', async () => {
    voice.on(CreateSipMediaApplicationCallCommand).rejects(new ThrottledClientException({ message: 'Rate exceeded', ...meta }));
    const result = await telephony(3).placeCall(request);
    expect(result).toMatchObject({ ok: false, reason: 'throttled', retryable: true });
    expect(voice.commandCalls(CreateSipMediaApplicationCallCommand)).toHaveLength(3);
  });

  it('maps an unavailable service to a retryable unavailable outcome', async () => {
    voice.on(CreateSipMediaApplicationCallCommand).rejects(new ServiceUnavailableException({ message: 'down', ...meta }));
    expect(await telephony(2).placeCall(request)).toMatchObject({ ok: false, reason: 'unavailable', retryable: true });
  });

  it.each([
    ['BadRequest', new BadRequestException({ message: 'bad number', ...meta })],
    ['NotFound', new NotFoundException({ message: 'no sma', ...meta })],
    ['Forbidden', new ForbiddenException({ message: 'no', ...meta })],
  ])('rejects without retrying on %s', async (_name, error) => {
    voice.on(CreateSipMediaApplicationCallCommand).rejects(error);
    const result = await telephony().placeCall(request);
    expect(result).toMatchObject({ ok: false, reason: 'rejected', retryable: false });
    expect(result.ok ? '' : result.message).toContain(error.message);
    expect(voice.commandCalls(CreateSipMediaApplicationCallCommand)).toHaveLength(1);
    expect(sleeps).toHaveLength(0);
  });

  it('throws an AdapterError for failures the port has no outcome for', async () => {
    voice.on(CreateSipMediaApplicationCallCommand).rejects(new Error('socket hang up'));
    await expect(telephony().placeCall(request)).rejects.toBeInstanceOf(AdapterError);
    expect(voice.commandCalls(CreateSipMediaApplicationCallCommand)).toHaveLength(1);
  });

  it('returns a server failure or a quota at once, as retryable, without retrying it here', async () => {
    voice.on(CreateSipMediaApplicationCallCommand).rejectsOnce(new ServiceFailureException({ message: 'oops', ...meta })).rejects(new ResourceLimitExceededException({ message: 'too many calls', ...meta }));
    expect(await telephony().placeCall(request)).toMatchObject({ ok: false, reason: 'unavailable', retryable: true });
    expect(await telephony().placeCall(request)).toMatchObject({ ok: false, reason: 'throttled', retryable: true });
    expect(voice.commandCalls(CreateSipMediaApplicationCallCommand)).toHaveLength(2);
    expect(sleeps).toHaveLength(0);
  });

  it('classifies by HTTP status when the error name is unknown', () => {
    expect(classifyVoiceError(Object.assign(new Error('x'), { name: 'Whatever', $metadata: { httpStatusCode: 429 } }))?.reason).toBe('throttled');
    expect(classifyVoiceError(Object.assign(new Error('x'), { name: 'Whatever', $metadata: { httpStatusCode: 503 } }))?.reason).toBe('unavailable');
    expect(classifyVoiceError(new Error('x'))).toBeUndefined();
  });

  it('sends arguments to a call in progress and reports a call that is gone', async () => {
    voice.on(UpdateSipMediaApplicationCallCommand).resolvesOnce({}).rejects(new NotFoundException({ message: 'call ended', ...meta }));
    expect(await telephony().updateCall({ transactionId: 'tx-1', arguments: { action: 'hangup' } })).toEqual({ ok: true });
    expect(voice.commandCalls(UpdateSipMediaApplicationCallCommand)[0]!.args[0].input).toEqual({
      SipMediaApplicationId: 'sma-1',
      TransactionId: 'tx-1',
      Arguments: { action: 'hangup' },
    });
    const gone = await telephony().updateCall({ transactionId: 'tx-1', arguments: { action: 'hangup' } });
    expect(gone.ok).toBe(false);
    expect(gone.message).toContain('call ended');
  });
});
