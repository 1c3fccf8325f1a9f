import { describe, expect, it } from 'vitest';
import { legA, parseSmaEvent } from '../../../lib/telephony/sma-events';
import * as f from './fixtures';

describe('parseSmaEvent', () => {
  it('reads the outbound-call example whose application field is SipApplicationId', () => {
    const r = parseSmaEvent(f.newOutboundCall());
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.event.InvocationEventType).toBe('NEW_OUTBOUND_CALL');
    expect(r.event.CallDetails.SipApplicationId).toBe('sip-application-id');
    expect(r.event.CallDetails.TransactionAttributes?.callId).toBe('call1');
    expect(legA(r.event)?.To).toBe('+12065500001');
  });

  it('reads every documented event type', () => {
    const a = f.CALL_ARGS;
    const events = [
      f.newOutboundCall(),
      f.ringing(),
      f.callAnswered(),
      f.botConversationSucceeded(a, 'yes'),
      f.digitsSucceeded(a, '1'),
      f.actionFailed(a, 'Speak'),
      f.actionInterrupted(a),
      f.digitsReceived(a, '5'),
      f.callUpdateRequested(a, { action: 'hangup' }),
      f.invalidLambdaResponse(a),
      f.hangup(a, '486'),
    ];
    const types = events.map((e) => {
      const r = parseSmaEvent(e);
      expect(r.ok).toBe(true);
      return r.ok ? r.event.InvocationEventType : undefined;
    });
    expect(new Set(types).size).toBe(10);
  });

  it('keeps unknown fields', () => {
    const r = parseSmaEvent({ ...f.callAnswered(), NewField: 1 });
    expect(r.ok && (r.event as Record<string, unknown>).NewField).toBe(1);
  });

  it('reports a malformed event as a value', () => {
    const r = parseSmaEvent({ InvocationEventType: 'RINGING' });
    expect(r.ok).toBe(false);
  });
});
