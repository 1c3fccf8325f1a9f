/**
 * One example of each event, built with buildEvent so it is valid by construction; docs/events.md
 * shows them (kept in sync by a test) and the registry test checks each registered schema accepts them.
 */
import type { BusEvent } from '../ports/bus';
import type { CallRecord, StoredTurn } from '../telephony/call-records';
import { buildEvent, contactsOf, extrasOf, taskOf } from './build';
import { EVENT_TYPES, type EventInput, type EventType } from './schemas';

const instanceId = 'I01JH3Q5X8Y2Z4W6V7T9R0S1P2N';
const campaignId = 'C01JH3Q7M4K6J8H0G2F4E6D8C0B';
const jobId = 'J01JH3Q9A1B3C5D7E9F1G3H5J7K';
const callId = 'K01JH3QB2C4D6E8F0G2H4J6K8M0';
const contact = { phone: '+14155550123', name: 'Alex Chen', honorific: 'Mr. Chen', referenceId: 'member-1042', variables: { amount: '120.50', dueDate: '2026-01-15' } };
const caller = '+12065550100';
const at = (s: string) => `2026-01-05T09:${s}Z`;

const call: CallRecord = {
  callId,
  instanceId,
  campaignId,
  jobId,
  attempt: 1,
  transactionId: 'f3b6b9d2-6d4c-4c1e-9a57-2f0e6f0c1a11',
  caller,
  callee: contact.phone,
  referenceId: contact.referenceId,
  scenarioId: 'S01JH3Q2R4T6V8X0Z2B4D6F8H0J',
  scenarioVersion: 3,
  plannedAt: at('00:00.000'),
  dialledAt: at('00:01.250'),
  rungAt: at('00:03.000'),
  answeredAt: at('00:09.400'),
  endedAt: at('00:41.900'),
  ringSeconds: 6.4,
  talkSeconds: 32.5,
  turns: 2,
  answered: true,
  completed: true,
  transferred: false,
  hangupParty: 'robot',
  hangupNode: 'goodbye',
  status: 'Succeeded',
  sipCode: 200,
  recordingKey: `recordings/${instanceId}/2026-01-05/${callId}.wav`,
  tags: { willPay: 'yes' },
  noMatchHangup: false,
  systemFailure: false,
  placed: true,
  interacted: true,
  captured: { promiseDate: '2026-01-09' },
};

const turns: StoredTurn[] = [
  { callId, index: 0, time: at('00:10.000'), nodeId: 'remind', prompt: 'Hello Mr. Chen, your payment of 120.50 is due on January 15. Can you pay by then?', userText: 'yes I can', intent: 'yes', score: 0.97, outcome: 'matched' },
  { callId, index: 1, time: at('00:25.000'), nodeId: 'goodbye', prompt: 'Thank you, goodbye.', outcome: 'prompt' },
];

const callBase = {
  instanceId,
  campaignId,
  jobId,
  callId,
  attempt: 1,
  extras: extrasOf(contact.variables),
  contacts: contactsOf(contact),
};
const running = { ...call, status: 'Executing' as const, endedAt: undefined };

/** Example input and time of each event type. */
export const EXAMPLE_INPUTS: { readonly [T in EventType]: { input: EventInput<T>; time: number } } = {
  Dialing: {
    time: Date.parse(at('00:01.250')),
    input: { ...callBase, status: 'Executing', tasks: [taskOf(running)], callingNumber: caller, calledNumber: contact.phone },
  },
  Ringing: { time: Date.parse(at('00:03.000')), input: { ...callBase, status: 'Executing', tasks: [taskOf(running)] } },
  CallAnswered: { time: Date.parse(at('00:09.400')), input: { ...callBase, status: 'Executing', tasks: [taskOf(running)] } },
  CallFinished: {
    time: Date.parse(at('00:41.900')),
    input: {
      ...callBase,
      status: 'Succeeded',
      tasks: [taskOf(call)],
      sipCode: 200,
      answered: true,
      completed: true,
      ringSeconds: 6.4,
      talkSeconds: 32.5,
      hangupParty: 'robot',
      hangupNode: 'goodbye',
      tags: { willPay: 'yes' },
      call,
      turns,
    },
  },
  RecordingReady: {
    time: Date.parse(at('00:43.000')),
    input: {
      instanceId,
      campaignId,
      jobId,
      callId,
      attempt: 1,
      extras: extrasOf(contact.variables),
      contacts: contactsOf(contact),
      recording: {
        taskId: callId,
        callId,
        duration: 32.5,
        fileName: `${callId}.wav`,
        key: call.recordingKey!,
        contentType: 'audio/wav',
        apiPath: `/calls/${callId}/recording`,
      },
    },
  },
  JobComplete: {
    time: Date.parse(at('00:42.000')),
    input: {
      instanceId,
      campaignId,
      jobId,
      status: 'Succeeded',
      extras: extrasOf(contact.variables),
      contacts: contactsOf(contact),
      tasks: [taskOf(call)],
      attempts: 1,
      answered: true,
      tags: { willPay: 'yes' },
    },
  },
  CampaignStateChanged: {
    time: Date.parse('2026-01-05T08:59:59.000Z'),
    input: { instanceId, campaignId, name: 'January payment reminders', state: 'running', previousState: 'scheduled', version: 4, principal: 'key-01JH3Q0' },
  },
  CampaignComplete: {
    time: Date.parse('2026-01-05T17:30:00.000Z'),
    input: {
      instanceId,
      campaignId,
      name: 'January payment reminders',
      run: 1,
      startedAt: '2026-01-05T08:59:59.000Z',
      finishedAt: '2026-01-05T17:30:00.000Z',
      counters: { total: 1200, dialled: 1180, completed: 1200, succeeded: 870, failed: 310, cancelled: 20, answered: 905, callsPlaced: 2410 },
    },
  },
  ExportReady: {
    time: Date.parse('2026-01-05T17:35:00.000Z'),
    input: {
      instanceId,
      exportId: 'X01JH3QF6G8H0J2K4M6N8P0Q2R',
      kind: 'callLog',
      status: 'Succeeded',
      campaignId,
      format: 'csv',
      fileName: 'call-log-january-payment-reminders.csv',
      bytes: 412_733,
      rows: 2410,
      apiPath: '/exports/X01JH3QF6G8H0J2K4M6N8P0Q2R',
    },
  },
};

/** The example bus event of a type, from the given source. */
export function exampleEvent(type: EventType, source = 'reachout'): BusEvent {
  const { input, time } = EXAMPLE_INPUTS[type];
  return buildEvent(type, input as EventInput<typeof type>, { source, time });
}

/** The example of a type as an EventBridge target receives it (the envelope). */
export function exampleEnvelope(type: EventType, source = 'reachout'): Record<string, unknown> {
  const event = exampleEvent(type, source);
  const index = EVENT_TYPES.indexOf(type);
  return {
    version: '0',
    id: `6a7e8feb-b491-4cf7-a9f1-bf37034677${String(10 + index)}`,
    'detail-type': event.detailType,
    source: event.source,
    account: '123456789012',
    time: event.time.replace(/\.\d{3}Z$/, 'Z'),
    region: 'us-east-1',
    resources: [],
    detail: event.detail,
  };
}
