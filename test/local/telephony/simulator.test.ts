import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../lib/core/log';
import type { Clock } from '../../../lib/ports/clock';
import { getCallRecord, listTurns } from '../../../lib/telephony/call-records';
import { loadPeople, parsePeople } from '../../../local/telephony/people';
import { SimulatedTelephony, speechMs } from '../../../local/telephony/simulator';
import { readWavHeader } from '../../../local/telephony/wav';
import { MemoryBlobs } from '../../support/deps';
import { smaRig } from '../../support/sma';
import type { CallPlan } from '../../../lib/telephony/plan';
import { attachRecording } from '../../../lib/telephony/recordings';

/** A clock whose sleeps pass instantly (one call at a time, so time stays consistent). */
class InstantClock implements Clock {
  constructor(private t = Date.UTC(2026, 0, 5, 9, 0, 0)) {}
  now() {
    return this.t;
  }
  async sleep(ms: number) {
    this.t += Math.max(0, ms);
  }
}

async function rig(plan: Partial<CallPlan> = {}, peopleJson?: string) {
  const clock = new InstantClock();
  const r = await smaRig({ plan, clock });
  const people = peopleJson ? parsePeople(peopleJson) : loadPeople();
  const recordings = r.deps.blobs.recordings as MemoryBlobs;
  const sim = new SimulatedTelephony({ clock, handler: r.handle, people, recordings, log: silentLogger });
  // The recordings bucket's notifications (S3 events when deployed): the recording lands after the hang-up.
  const put = recordings.put.bind(recordings);
  recordings.put = async (key, body, type) => {
    await put(key, body, type);
    await attachRecording(r.deps, key);
  };
  const call = async (to: string, extra: Record<string, string> = {}) => {
    const opened = await r.openCall(to);
    const placed = await sim.placeCall({ fromPhoneNumber: '+12065559999', toPhoneNumber: to, arguments: { ...opened.args, ...extra } });
    expect(placed.ok).toBe(true);
    await sim.idle();
    await r.drain();
    return { callId: opened.callId, cdr: await r.record(opened.jobId, opened.callId), job: await r.job(opened.jobId) };
  };
  return { ...r, sim, call, recordings };
}

describe('SimulatedTelephony', () => {
  const expected: [string, string, Record<string, unknown>][] = [
    ['+12065500001', 'cooperative', { status: 'Succeeded', answered: true, completed: true, hangupParty: 'robot' }],
    ['+12065510001', 'refuses', { status: 'Succeeded', answered: true, completed: false }],
    ['+12065530001', 'busy', { status: 'Busy', answered: false, sipCode: 486 }],
    ['+12065540001', 'noAnswer', { status: 'NoAnswer', answered: false, sipCode: 480 }],
    ['+12065550001', 'doesNotExist', { status: 'NotExist', answered: false, sipCode: 404 }],
    ['+12065560001', 'unavailable', { status: 'NotConnected', answered: false, sipCode: 503 }],
    ['+12065570001', 'poweredOff', { status: 'PoweredOff', answered: false }],
    ['+12065580001', 'emptyNumber', { status: 'EmptyNumber', answered: false }],
    ['+12065590001', 'voicemail', { status: 'Voicemail', answered: false }],
    ['+12065600001', 'silent', { status: 'Succeeded', hangupParty: 'robot', completed: false }],
    ['+12065610001', 'bargeIn', { status: 'Succeeded', completed: true }],
    ['+12065620001', 'pressesKeys', { status: 'Succeeded', transferred: true }],
    ['+12065630001', 'hangsUpMidway', { status: 'Succeeded', hangupParty: 'person', completed: false }],
    ['+8613900001234', 'zhCooperative', { status: 'Succeeded', completed: true }],
    ['+8613901001234', 'zhPoweredOff', { status: 'PoweredOff' }],
    ['+8613902001234', 'zhArrears', { status: 'InArrears' }],
  ];
  for (const [to, person, cdr] of expected) for (const listenForGreeting of [false, true]) {
    it(`drives the real handler to the right outcome for the ${person} person${listenForGreeting ? ' (greeting heard first)' : ''}`, async () => {
      const r = await rig({ listenForGreeting });
      const { cdr: record, job } = await call(r, to);
      expect(record).toMatchObject(cdr);
      expect(job?.lastCallStatus).toBe(cdr.status);
      expect(job?.status).not.toBe('Executing');
      expect(record?.endedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      // Every response the handler gave was valid under the action reference (the simulator checks each).
      expect(r.sim.finished[0]!.events).not.toContain('INVALID_LAMBDA_RESPONSE');
    });
  }

  async function call(r: Awaited<ReturnType<typeof rig>>, to: string) {
    return r.call(to);
  }

  it('sends the documented event sequence for an answered call', async () => {
    const r = await rig();
    await r.call('+12065500001');
    const log = r.sim.finished[0]!;
    expect(log.events.slice(0, 3)).toEqual(['NEW_OUTBOUND_CALL', 'RINGING', 'CALL_ANSWERED']);
    expect(log.events.at(-1)).toBe('HANGUP');
    expect(log.events).toContain('ACTION_SUCCESSFUL');
  });

  it('writes a small WAV recording after the hang-up, which its notification links to the CDR', async () => {
    const r = await rig({ recording: true });
    const { cdr } = await r.call('+12065500001');
    expect(cdr?.recordingKey).toMatch(/^inst1\/2026-01-05\/call1\/.+\.wav$/);
    const wav = await r.recordings.get(cdr!.recordingKey!);
    expect(readWavHeader(wav!)).toMatchObject({ sampleRate: 8000, channels: 1, bitsPerSample: 8 });
    expect(wav!.length).toBeLessThan(30_000);
    expect(r.events.some((e) => e.detailType === 'RecordingReady')).toBe(true);
  });

  it('ends ringing at the maximum ring time through CALL_UPDATE_REQUESTED', async () => {
    const r = await rig();
    const { cdr } = await r.call('+12065540001', { maxRingSeconds: '20' });
    expect(cdr).toMatchObject({ status: 'NoAnswer', ringSeconds: 20 });
    expect(r.sim.finished[0]!.events).toContain('CALL_UPDATE_REQUESTED');
  });

  it('stops a call in progress when updateCall asks to hang up', async () => {
    const r = await rig();
    const opened = await r.openCall('+12065540001');
    const placed = await r.sim.placeCall({ fromPhoneNumber: '+12065559999', toPhoneNumber: '+12065540001', arguments: opened.args });
    if (!placed.ok) throw new Error('not placed');
    expect((await r.sim.updateCall({ transactionId: placed.transactionId, arguments: { action: 'hangup', reason: 'stopped' } })).ok).toBe(true);
    await r.sim.idle();
    expect((await getCallRecord(r.deps.store, 'inst1', opened.callId))?.status).toBe('Cancelled');
  });

  it('stores the transcript turns of a conversation', async () => {
    const r = await rig();
    await r.call('+12065500001');
    const turns = await listTurns(r.deps.store, 'inst1', 'call1');
    expect(turns.map((t) => t.userText).filter(Boolean)).toEqual(['yes, speaking']);
  });

  it('rejects numbers that are not E.164', async () => {
    const r = await rig();
    expect(await r.sim.placeCall({ fromPhoneNumber: '+12065559999', toPhoneNumber: '12345', arguments: {} })).toMatchObject({ ok: false, reason: 'rejected' });
  });

  it('reads people and their number prefixes from a file', () => {
    const book = parsePeople(
      JSON.stringify({ default: 'a', people: { a: { replies: ['yes'] }, b: { answers: false, sipCode: 486 } }, numbers: [{ prefix: '+1206', person: 'b' }] }),
    );
    expect(book.nameFor('+12065550000')).toBe('b');
    expect(book.nameFor('+8613900000000')).toBe('a');
    expect(book.personFor('+12065550000').sipCode).toBe(486);
    expect(() => parsePeople(JSON.stringify({ default: 'x', people: {} }))).toThrow();
  });

  it('takes longer to say Chinese than English per character', () => {
    expect(speechMs('你好你好你好你好')).toBeGreaterThan(speechMs('hellohel'));
  });
});
