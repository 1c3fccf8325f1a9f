import fc from 'fast-check';
import { CallStatus } from '../../../lib/domain/statuses';
import { getTemplate } from '../../../lib/scenarios/templates';
import type { ScenarioDefinition } from '../../../lib/scenarios/schema';
import { CallRecord, type StoredTurn } from '../../../lib/telephony/call-records';

/** The payment reminder template with a reported contact variable, so variable distributions are exercised too. */
export function reportingScenario(language: 'en' | 'zh' = 'en'): ScenarioDefinition {
  const def = getTemplate('payment-reminder')!.definition(language);
  return { ...def, reporting: { ...def.reporting, variables: ['region'] } };
}

const DEF = reportingScenario();
const NODE_IDS = [...DEF.nodes.map((n) => n.id), 'ghostNode'];
const INTENTS = ['affirm', 'deny', 'busy', 'pay_date', 'cannot_pay', 'purpose', 'stop', 'not_interested', 'externalIntent'];
const OUTCOMES: StoredTurn['outcome'][] = ['matched', 'noMatch', 'silence', 'globalQuestion', 'prompt', 'hangup'];
const TAGS: [string, string][] = [
  ['promise', 'today'],
  ['promise', 'later'],
  ['promise', 'refused'],
  ['contact', 'later'],
  ['contact', 'optOut'],
  ['promiseDate', 'tomorrow'],
  ['promiseDate', 'next friday'],
  ['promiseDate', '周五'],
  ['undeclared', 'x'],
];
const REGIONS = ['north', 'south', 'east', ''];

/** One generated call: everything but the ids and the order, which the job fixes. */
export interface CallSpec {
  status: CallStatus;
  answered: boolean;
  sipCode?: number;
  completed: boolean;
  transferred: boolean;
  hangupParty?: 'robot' | 'person' | 'system';
  hangupNode?: string;
  hangupReason?: string;
  noMatchHangup: boolean;
  talkSeconds: number;
  ringSeconds: number;
  gapMinutes: number;
  tags: [string, string][];
  turns: { nodeId: string; outcome: StoredTurn['outcome']; intent?: string; userText?: string }[];
}

const turnArb = fc.record({
  nodeId: fc.constantFrom(...NODE_IDS, ''),
  outcome: fc.constantFrom(...OUTCOMES),
  intent: fc.option(fc.constantFrom(...INTENTS), { nil: undefined }),
  userText: fc.option(fc.constantFrom('yes', 'tomorrow', '嗯'), { nil: undefined }),
});

/** A random finished call. */
export const callSpecArb: fc.Arbitrary<CallSpec> = fc
  .record({
    // Half the calls reach a person, as in a real campaign; the rest spread over every other status.
    status: fc.oneof(fc.constant<CallStatus>('Succeeded'), fc.constantFrom(...CallStatus.options.filter((s) => s !== 'Executing' && s !== 'Succeeded'))),
    answeredIfSucceeded: fc.nat({ max: 5 }).map((n) => n > 0),
    sipCode: fc.option(fc.constantFrom(486, 603, 607, 608, 503, 404, 480), { nil: undefined }),
    completed: fc.boolean(),
    transferred: fc.boolean(),
    hangupParty: fc.option(fc.constantFrom('robot' as const, 'person' as const, 'system' as const), { nil: undefined }),
    hangupNode: fc.option(fc.constantFrom(...NODE_IDS, ''), { nil: undefined }),
    hangupReason: fc.option(fc.constantFrom('node', 'noMatch', 'silence', 'person', 'maxTurns', 'error'), { nil: undefined }),
    noMatchHangup: fc.boolean(),
    talkSeconds: fc.integer({ min: 0, max: 3000 }).map((t) => t / 10),
    ringSeconds: fc.integer({ min: 0, max: 600 }).map((t) => t / 10),
    gapMinutes: fc.integer({ min: 1, max: 36 * 60 }),
    tags: fc.uniqueArray(fc.constantFrom(...TAGS), { maxLength: 3, selector: ([g]) => g }),
    turns: fc.array(turnArb, { maxLength: 8 }),
  })
  .map(({ answeredIfSucceeded, ...c }) => ({ ...c, answered: c.status === 'Succeeded' && answeredIfSucceeded }));

/** A random job: its region and its calls in order. */
export const jobSpecArb = fc.record({
  region: fc.constantFrom(...REGIONS),
  calls: fc.array(callSpecArb, { minLength: 1, maxLength: 4 }),
});

/** A built call with its transcript. */
export interface BuiltCall {
  record: CallRecord;
  turns: StoredTurn[];
}

/** Turns job specs into call records: job `j`'s calls follow each other by their gaps from `start`. */
export function buildCalls(
  jobs: { region: string; calls: CallSpec[] }[],
  start = Date.UTC(2026, 0, 5, 22, 0),
  ids: { instanceId: string; campaignId: string } = { instanceId: 'inst1', campaignId: 'cmp1' },
): { jobId: string; variables: Record<string, string>; calls: BuiltCall[] }[] {
  return jobs.map((job, j) => {
    const jobId = `job${j}`;
    let at = start + j * 7 * 60_000;
    const calls = job.calls.map((c, k) => {
      at += c.gapMinutes * 60_000;
      const callId = `call-${j}-${k}`;
      const record = CallRecord.parse({
        callId,
        instanceId: ids.instanceId,
        campaignId: ids.campaignId,
        jobId,
        attempt: k + 1,
        callee: `+1206555${String(j).padStart(4, '0')}`,
        dialledAt: new Date(at).toISOString(),
        endedAt: new Date(at + 60_000).toISOString(),
        ringSeconds: c.ringSeconds,
        talkSeconds: c.talkSeconds,
        turns: c.turns.length,
        answered: c.answered,
        completed: c.completed,
        transferred: c.transferred,
        hangupParty: c.hangupParty,
        hangupNode: c.hangupNode,
        hangupReason: c.hangupReason,
        status: c.status,
        sipCode: c.sipCode,
        tags: Object.fromEntries(c.tags),
        noMatchHangup: c.noMatchHangup,
      });
      const turns: StoredTurn[] = c.turns.map((t, i) => ({
        callId,
        index: i,
        time: new Date(at + i * 1000).toISOString(),
        nodeId: t.nodeId,
        outcome: t.outcome,
        ...(t.intent ? { intent: t.intent, score: 0.9 } : {}),
        ...(t.userText ? { userText: t.userText } : {}),
      }));
      return { record, turns };
    });
    const variables: Record<string, string> = job.region ? { region: job.region } : {};
    return { jobId, variables, calls };
  });
}
