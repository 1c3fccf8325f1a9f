import type { CallStatus, HangupParty } from '../domain/statuses';
import type { BusEvent } from '../ports/bus';
import { CallRecord, StoredTurn } from '../telephony/call-records';
import { mulberry32 } from '../core/random';

/**
 * Synthetic campaign events for tests and benchmarks of the analytics datasets: CallFinished (with the full
 * CallRecord and its transcript) per attempt, JobComplete per job, and the other call events, with a seeded
 * generator so every run produces the same events. Records are built through the real schemas (CallRecord,
 * StoredTurn), so they stay valid when those change.
 */

/** Options of the generator. */
export interface SyntheticOptions {
  /** Jobs (contacts) to generate; each gets 1–3 calls. */
  jobs: number;
  seed?: number;
  instanceId?: string;
  /** Campaign ids to spread the jobs over. */
  campaignIds?: string[];
  /** Epoch ms of the first call. */
  start?: number;
  /** Days the calls spread over. */
  days?: number;
  /** Share of events published twice (at-least-once delivery). */
  duplicateRate?: number;
  /** Only CallFinished and JobComplete (no Dialing/CallAnswered/RecordingReady). */
  onlyDatasetEvents?: boolean;
}

/** A tiny seeded PRNG (mulberry32). */
export function prng(seed: number): () => number {
  return mulberry32(seed);
}

/** The synthetic call mix: status, weight, SIP code (the analytics benchmark generates from the same). */
export const STATUSES: [CallStatus, number, number][] = [
  // status, weight, SIP code
  ['Succeeded', 55, 200],
  ['NoAnswer', 22, 480],
  ['Busy', 8, 486],
  ['Failed', 4, 500],
  ['EmptyNumber', 3, 404],
  ['PoweredOff', 3, 480],
  ['Voicemail', 5, 200],
];
/** Dialog nodes of the synthetic campaign. */
export const NODES = ['greeting', 'identity', 'reason', 'offer', 'payment', 'confirm', 'goodbye'];
/** Intents of the synthetic campaign. */
export const INTENTS = ['yes', 'no', 'busy', 'later', 'wrong_number', 'price', 'who_are_you'];
/** Intention grades of the synthetic campaign. */
export const GRADES = ['A', 'B', 'C', 'D', 'E'];

/** Generates the events of a synthetic campaign run, in time order per job. */
export function* syntheticEvents(options: SyntheticOptions): Generator<BusEvent> {
  const random = prng(options.seed ?? 1);
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
  const instanceId = options.instanceId ?? 'in_synthetic';
  const campaigns = options.campaignIds ?? ['cmp_synthetic'];
  const start = options.start ?? Date.UTC(2026, 0, 5, 8, 0, 0);
  const spread = (options.days ?? 3) * 86_400_000;
  const dup = options.duplicateRate ?? 0;
  const totalWeight = STATUSES.reduce((n, s) => n + s[1], 0);
  const status = (): [CallStatus, number] => {
    let r = random() * totalWeight;
    for (const [s, w, sip] of STATUSES) if ((r -= w) < 0) return [s, sip];
    return ['Succeeded', 200];
  };
  const iso = (ms: number) => new Date(ms).toISOString();
  let seq = 0;
  const event = (detailType: string, time: number, detail: Record<string, unknown>): BusEvent => {
    const id = `evt_${(++seq).toString(36)}`;
    return { id, source: 'reachout', detailType, time: iso(time), detail: { eventId: id, instanceId, ...detail } };
  };
  function* emit(e: BusEvent): Generator<BusEvent> {
    yield e;
    if (dup > 0 && random() < dup) yield structuredClone(e);
  }

  for (let j = 0; j < options.jobs; j++) {
    const campaignId = campaigns[j % campaigns.length]!;
    const jobId = `job_${j.toString(36).padStart(6, '0')}`;
    const callee = `+1206${String(5_000_000 + (j % 4_000_000)).padStart(7, '0')}`;
    let t = start + Math.floor((j / Math.max(1, options.jobs)) * spread) + Math.floor(random() * 60_000);
    const maxAttempts = 1 + Math.floor(random() * 3);
    let answeredAny = false;
    let last: CallRecord | undefined;
    let attempt = 0;
    while (attempt < maxAttempts && !answeredAny) {
      attempt++;
      const callId = `call_${j.toString(36)}_${attempt}`;
      const [s, sipCode] = status();
      const answered = s === 'Succeeded' || s === 'Voicemail';
      const ring = Math.round(random() * 300) / 10;
      const turns: StoredTurn[] = [];
      let party: HangupParty = answered ? 'robot' : 'system';
      let reason: string | undefined = answered ? 'node' : s === 'NoAnswer' ? 'maxRing' : undefined;
      if (s === 'Succeeded') {
        const count = 1 + Math.floor(random() * (random() < 0.1 ? 24 : 8));
        for (let k = 0; k < count; k++) {
          const spoke = random() < 0.8;
          const matched = spoke && random() < 0.75;
          turns.push(
            StoredTurn.parse({
              callId,
              index: k,
              time: iso(t + (ring + 2 + k * 7) * 1000),
              nodeId: NODES[Math.min(k, NODES.length - 1)]!,
              prompt: `Prompt of ${NODES[Math.min(k, NODES.length - 1)]}`,
              userText: spoke ? `answer ${k}` : undefined,
              intent: matched ? pick(INTENTS) : undefined,
              score: matched ? Math.round(random() * 1000) / 1000 : undefined,
              outcome: matched ? 'matched' : spoke ? 'noMatch' : 'silence',
            }),
          );
        }
        const r = random();
        if (r < 0.4) {
          party = 'person';
          reason = 'person';
        } else if (r < 0.5) reason = 'noMatch';
        else if (r < 0.6) reason = 'silence';
        else if (r < 0.63) {
          party = 'system';
          reason = 'error';
        }
      }
      const talk = answered ? Math.round((turns.length * 7 + random() * 5) * 10) / 10 : 0;
      const dialledAt = t;
      const record = CallRecord.parse({
        callId,
        instanceId,
        campaignId,
        jobId,
        attempt,
        caller: '+12065550100',
        callee,
        referenceId: `ref-${j}`,
        scenarioId: 'scn_synthetic',
        scenarioVersion: 1,
        plannedAt: iso(dialledAt - 1000),
        dialledAt: iso(dialledAt),
        rungAt: iso(dialledAt + 1000),
        answeredAt: answered ? iso(dialledAt + 1000 + ring * 1000) : undefined,
        endedAt: iso(dialledAt + 1000 + (ring + talk) * 1000),
        ringSeconds: ring,
        talkSeconds: talk,
        turns: turns.length,
        answered,
        completed: s === 'Succeeded' && reason === 'node',
        transferred: false,
        hangupParty: party,
        hangupNode: turns.length > 0 ? turns[turns.length - 1]!.nodeId : undefined,
        hangupReason: reason,
        status: s,
        sipCode,
        recordingKey: answered ? `recordings/${instanceId}/${callId}.wav` : undefined,
        tags: answered && random() < 0.5 ? { interest: pick(['high', 'low']) } : {},
        noMatchHangup: reason === 'noMatch',
      });
      last = record;
      answeredAny = answered;
      const ids = { campaignId, jobId, callId };
      if (!options.onlyDatasetEvents) yield* emit(event('Dialing', dialledAt, ids));
      if (!options.onlyDatasetEvents && answered) yield* emit(event('CallAnswered', dialledAt + 1000 + ring * 1000, ids));
      yield* emit(event('CallFinished', dialledAt + 1000 + (ring + talk) * 1000, { ...ids, status: s, call: record, turns, ...(answered ? { intentGrade: pick(GRADES) } : {}) }));
      t += 30 * 60_000 + Math.floor(random() * 60_000);
    }
    const done = Date.parse(last!.endedAt!) + 1000;
    yield* emit(
      event('JobComplete', done, {
        campaignId,
        jobId,
        status: answeredAny ? 'Succeeded' : 'Failed',
        failureReason: answeredAny ? undefined : last!.status === 'NoAnswer' ? 'NoAnswer' : 'CallFailed',
        attempts: attempt,
        contacts: [{ phoneNumber: callee, name: `Person ${j}`, referenceId: `ref-${j}` }],
        extras: [{ key: 'batch', value: String(j % 3) }],
        tags: answeredAny ? { reached: 'yes' } : {},
        variables: { amount: String(10 + (j % 90)) },
        lastCallId: last!.callId,
        lastCallStatus: last!.status,
        answered: answeredAny,
        ...(answeredAny ? { intentGrade: pick(GRADES) } : {}),
      }),
    );
  }
}
