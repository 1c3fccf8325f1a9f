import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseEventLog, replay, replayCli, type ReplayLine } from '../../local/replay';
import { guideEvent } from '../support/chime-guide';
import { GUIDE_CALL } from './replay-fixture';

const FIXTURE = fileURLToPath(new URL('../fixtures/chime/replay/guide-calls.jsonl', import.meta.url));

/** Runs the CLI, collecting what it prints. */
async function cli(argv: string[], overrides: Parameters<typeof replayCli>[2] = {}) {
  let out = '';
  let err = '';
  const code = await replayCli(argv, { out: (s) => (out += s), err: (s) => (err += s) }, overrides);
  return { code, lines: out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as ReplayLine), err };
}

describe('replay', () => {
  it('has a fixture made of the guide’s example events, two calls told apart by TransactionId', () => {
    const lines = readFileSync(FIXTURE, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as unknown);
    expect(lines).toEqual(GUIDE_CALL.map(([name, tx]) => guideEvent(name, { transactionId: tx, legACallId: 'call-id-1' })));
  });

  it('replays the guide’s events through the real handler: every answer valid, each call with its final record', async () => {
    const { code, lines, err } = await cli(['--events', FIXTURE]);
    expect(err).not.toMatch(/invalid response|handler threw/);
    expect(code).toBe(0);
    expect(lines).toHaveLength(GUIDE_CALL.length);
    expect(lines.every((l) => l.valid && l.response?.SchemaVersion === '1.0')).toBe(true);
    expect(lines.map((l) => l.event)).toEqual(GUIDE_CALL.map(([name]) => String(guideEvent(name).InvocationEventType)));
    // The foreign CALL_UPDATE_REQUESTED keeps Chime's queue; the INVALID_LAMBDA_RESPONSE of either shape hangs up.
    expect(lines[5]!.response!.Actions).toBeNull();
    expect(lines.filter((l) => l.event === 'INVALID_LAMBDA_RESPONSE').map((l) => l.response!.Actions!.map((a) => a.Type))).toEqual([['Hangup'], ['Hangup']]);
    expect(err).toMatch(/call call1 \(transaction transaction-id-1\): \w+/);
    expect(err).toMatch(/call call2 \(transaction transaction-id-2\): Busy/);
    expect(err).not.toMatch(/not ended|no call record/);
  });

  it('chains the transaction attributes as Chime does: the call’s arguments first, then each kept answer’s', async () => {
    const events = parseEventLog(readFileSync(FIXTURE, 'utf8')).events.slice(0, 4);
    const seen: unknown[] = [];
    const result = await replay(events, {
      handler: () => async (event) => {
        seen.push((event as { CallDetails: { TransactionAttributes: unknown } }).CallDetails.TransactionAttributes);
        return { SchemaVersion: '1.0', Actions: [], TransactionAttributes: { step: String(seen.length) } };
      },
    });
    expect(result.ok).toBe(true);
    expect(seen[0]).toMatchObject({ instanceId: 'replay', campaignId: 'cmp1', jobId: 'job1', attempt: '1', callId: 'call1', p0: expect.any(String) });
    // RINGING gets the arguments again (Chime ignores the answer to NEW_OUTBOUND_CALL), CALL_ANSWERED too; then CALL_ANSWERED's answer.
    expect(seen[1]).toEqual(seen[0]);
    expect(seen[2]).toEqual(seen[0]);
    expect(seen[3]).toEqual({ step: '3' });
  });

  it('exits 1 on an invalid answer or a throw, naming the event', async () => {
    const invalid = await cli(['--events', FIXTURE], { handler: () => async () => ({ SchemaVersion: '1.0', Actions: [{ Type: 'Speak', Parameters: { Text: 'x'.repeat(1001) } }] }) });
    expect(invalid.code).toBe(1);
    expect(invalid.err).toMatch(/event 1 \(NEW_OUTBOUND_CALL\): invalid response: .*Text/);
    const threw = await cli(['--events', FIXTURE], { handler: () => async () => { throw new Error('boom'); } });
    expect(threw.code).toBe(1);
    expect(threw.lines[0]).toMatchObject({ valid: false, error: 'boom' });
  });

  it('exits 2 without --events, on a missing file, on a file without events and on an unknown template', async () => {
    expect((await cli([])).code).toBe(2);
    expect((await cli(['--events', '/nonexistent/events.jsonl'])).code).toBe(2);
    expect((await cli(['--events', fileURLToPath(import.meta.url)])).code).toBe(2);
    expect((await cli(['--events', FIXTURE, '--template', 'nope'])).err).toMatch(/unknown template "nope"; known: notification/);
  });
});

describe('parseEventLog', () => {
  const event = guideEvent('ringing');

  it('reads a JSON array, one JSON event, and JSON lines', () => {
    expect(parseEventLog(JSON.stringify([event, event])).events).toHaveLength(2);
    expect(parseEventLog(JSON.stringify(event)).events).toEqual([event]);
    expect(parseEventLog(`${JSON.stringify(event)}\n\n${JSON.stringify(event)}\n`).events).toHaveLength(2);
  });

  it('reads log lines: a prefix before the JSON, the event in `event` or in a `message` string', () => {
    const text = [
      `2026-12-02T04:00:00.000Z\tabc-123\tINFO\t${JSON.stringify(event)}`,
      JSON.stringify({ level: 'INFO', event }),
      JSON.stringify({ level: 'INFO', message: `SMA event ${JSON.stringify(event)}` }),
      'START RequestId: abc-123 Version: $LATEST',
      JSON.stringify({ level: 'INFO', message: 'something else' }),
    ].join('\n');
    const parsed = parseEventLog(text);
    expect(parsed.events).toEqual([event, event, event]);
    expect(parsed.skipped).toEqual([{ line: 4, reason: 'no JSON object on the line' }, { line: 5, reason: 'no InvocationEventType' }]);
  });
});
