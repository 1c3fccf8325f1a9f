/**
 * What one finished call means for the results (SPEC R2–R4), as a pure function of its call detail
 * record, its transcript and the scenario's reporting rules. Every figure of the statistics, the
 * report and the funnel is a sum of these facts; docs/results.md defines each one.
 */
import type { CallStatus } from '../domain/statuses';
import type { ScenarioDefinition } from '../scenarios/schema';
import { resolveReporting, type IntentionGrade, type ReportingCondition, type ResolvedReporting } from '../scenarios/reporting';
import type { CallRecord, StoredTurn } from '../telephony/call-records';
import { localParts } from '../windows/time';

/**
 * Where an answered call ended in the funnel (R3). Exclusive, in this order: the dialog completed;
 * else the person never reacted (silent hang-up); else a no-match, silence or person hang-up; else another end.
 */
export type AnsweredStage = 'silentHangup' | 'completed' | 'noMatchHangup' | 'timeoutHangup' | 'userHangup' | 'otherEnd';

/** Buckets of seed 001's `rounds` histogram. */
export const ROUNDS_BUCKETS = ['1', '2~5', '6~10', '11~20', '>20'] as const;
/** A rounds bucket. */
export type RoundsBucket = (typeof ROUNDS_BUCKETS)[number];

/** The bucket of a number of turns; a call with at most one turn falls in "1". */
export function roundsBucket(turns: number): RoundsBucket {
  if (turns <= 1) return '1';
  if (turns <= 5) return '2~5';
  if (turns <= 10) return '6~10';
  if (turns <= 20) return '11~20';
  return '>20';
}

/** Seed 001's number statuses 0–12 with their original labels, and ours in English. */
export const NUMBER_STATUSES: readonly { status: number; zh: string; en: string }[] = [
  { status: 0, zh: '等待呼叫', en: 'waiting to be called' },
  { status: 1, zh: '呼叫成功', en: 'answered' },
  { status: 2, zh: '运营商拦截', en: 'blocked by the carrier or line' },
  { status: 3, zh: '拒接', en: 'declined' },
  { status: 4, zh: '无应答、无人接听', en: 'no answer' },
  { status: 5, zh: '空号', en: 'number does not exist' },
  { status: 6, zh: '关机', en: 'powered off' },
  { status: 7, zh: '停机', en: 'out of service' },
  { status: 8, zh: '占线、用户正忙', en: 'busy' },
  { status: 9, zh: '呼入限制', en: 'call limit reached' },
  { status: 10, zh: '欠费', en: 'in arrears' },
  { status: 11, zh: '黑名单', en: 'on the do-not-call list' },
  { status: 12, zh: '用户屏蔽', en: 'caller blocked by the user' },
];

/**
 * Seed 001's number status (1–12) of a call, from our call status and SIP code (docs/results.md has
 * the table). Undefined for calls that never reached the network's verdict (cancelled, still running):
 * such a number stays "0 waiting".
 */
export function numberStatusOf(status: CallStatus, sipCode?: number): number | undefined {
  if (sipCode === 607) return 12;
  if (sipCode === 603) return 3;
  if (sipCode === 608) return 2;
  switch (status) {
    case 'Succeeded':
      return 1;
    case 'Failed':
    case 'CallerNotRegistered':
    case 'VerificationCancelled':
      return 2;
    case 'NotConnected':
      return sipCode !== undefined && sipCode >= 500 ? 2 : 4;
    case 'NoAnswer':
    case 'Voicemail':
      return 4;
    case 'NotExist':
    case 'EmptyNumber':
      return 5;
    case 'PoweredOff':
      return 6;
    case 'OutOfService':
      return 7;
    case 'Busy':
      return 8;
    case 'PerDayCallCountLimit':
      return 9;
    case 'InArrears':
      return 10;
    case 'ContactBlockList':
      return 11;
    case 'Executing':
    case 'Cancelled':
    case 'Terminated':
      return undefined;
  }
}

/** Outcomes of a turn in which the person answered something. */
const RESPONSE_OUTCOMES = new Set(['matched', 'noMatch', 'globalQuestion']);
const INTENT_OUTCOMES = new Set(['matched', 'globalQuestion']);

/** Per-node flow figures of one call (R3 "flow statistics"). */
export interface NodeFacts {
  /** Transcript turns at the node. */
  turns: number;
  matched: number;
  noMatch: number;
  silence: number;
  globalQuestion: number;
  /** The call ended at this node (1 or 0). */
  hangup: number;
  /** The person hung up at this node (1 or 0). */
  userHangup: number;
}

/** Names of the per-node figures; `reached` (1 per call reaching the node) comes first. */
export const NODE_STATS = ['reached', 'turns', 'matched', 'noMatch', 'silence', 'globalQuestion', 'hangup', 'userHangup'] as const;
/** A per-node figure. */
export type NodeStat = (typeof NODE_STATS)[number];

/** Everything one finished call contributes, before aggregation. */
export interface CallFacts {
  /** Day and hour of the dial time in the instance's zone. */
  day: string;
  hour: number;
  /** A person answered (not a machine or an announcement). */
  answered: boolean;
  /** The person said or pressed something at least once. */
  interacted: boolean;
  /** Funnel stage of an answered call. */
  stage?: AnsweredStage;
  completed: boolean;
  transferred: boolean;
  /** The scenario's success definition holds (R4). */
  success: boolean;
  /** Intention grade of an answered call (R2). */
  grade?: IntentionGrade;
  /** Seed 001 number status 1–12. */
  numberStatus?: number;
  rounds?: RoundsBucket;
  /** Intents recognised (matched branches and global questions), in order. */
  intents: string[];
  /** Turns that were a no-match. */
  noMatchTurns: number;
  /** Intents recognised in the person's next answer after a no-match. */
  afterNoMatch: string[];
  /** Node where the person hung up an answered call ('' when unknown). */
  userHangupNode?: string;
  /** Per-node figures, by node id. */
  nodes: Map<string, NodeFacts>;
  /** Tags of the call. */
  tags: [string, string][];
  talkSeconds: number;
  ringSeconds: number;
  turns: number;
}

/** The reporting view of a scenario: resolved rules plus which tag values, intents and nodes it declares. */
export interface ScenarioView {
  rules: ResolvedReporting;
  /** Tag group → declared values (empty set = free text). */
  tagValues: Map<string, Set<string>>;
  nodeNames: Map<string, string>;
  intents: Set<string>;
  /** Language of the scenario (grade names in the twin). */
  language: 'en' | 'zh';
}

/** The reporting view of a scenario definition (undefined → default rules, nothing declared). */
export function scenarioView(definition: ScenarioDefinition | undefined): ScenarioView {
  const tagValues = new Map<string, Set<string>>();
  const nodeNames = new Map<string, string>();
  const intents = new Set<string>();
  for (const g of definition?.tagGroups ?? []) tagValues.set(g.name, new Set(g.values));
  for (const n of definition?.nodes ?? []) nodeNames.set(n.id, n.name ?? n.id);
  for (const i of definition?.intents ?? []) intents.add(i.name);
  for (const q of definition?.globalQuestions ?? []) intents.add(q.id);
  return { rules: resolveReporting(definition?.reporting), tagValues, nodeNames, intents, language: definition?.voice.language ?? 'en' };
}

interface Evidence {
  call: CallRecord;
  interacted: boolean;
  intents: Set<string>;
  nodes: Set<string>;
}

function holds(c: ReportingCondition, e: Evidence): boolean {
  const { call } = e;
  let v: boolean;
  switch (c.kind) {
    case 'completed':
      v = call.completed;
      break;
    case 'heardToEnd':
      v = call.completed && call.hangupParty !== 'person';
      break;
    case 'answered':
      v = call.answered;
      break;
    case 'interacted':
      v = e.interacted;
      break;
    case 'transferred':
      v = call.transferred;
      break;
    case 'tag': {
      const value = call.tags[c.group];
      v = value !== undefined && value !== '' && (!c.values || c.values.includes(value));
      break;
    }
    case 'tagsSet':
      v = c.groups.every((g) => call.tags[g] !== undefined && call.tags[g] !== '');
      break;
    case 'node':
      v = c.nodes.some((n) => e.nodes.has(n));
      break;
    case 'intent':
      v = c.intents.some((i) => e.intents.has(i));
      break;
    case 'hangupBy':
      v = call.hangupParty === c.party;
      break;
    case 'noMatchHangup':
      v = call.noMatchHangup;
      break;
    case 'minTurns':
      v = call.turns >= c.n;
      break;
  }
  return c.not ? !v : v;
}

const allHold = (conditions: readonly ReportingCondition[], e: Evidence) => conditions.every((c) => holds(c, e));

/** The day (YYYY-MM-DD) and hour of an instant in a zone. */
export function dayAndHour(iso: string, timeZone: string): { day: string; hour: number } {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) return { day: '1970-01-01', hour: 0 };
  const p = localParts(ms, timeZone);
  return { day: p.date, hour: Math.floor(p.minutes / 60) };
}

/** Classifies one finished call (pure). Turns may come in any order; they are sorted by index. */
export function classifyCall(call: CallRecord, turnsIn: readonly StoredTurn[], view: ScenarioView, timeZone: string): CallFacts {
  const turns = [...turnsIn].sort((a, b) => a.index - b.index);
  const { day, hour } = dayAndHour(call.dialledAt, timeZone);
  const nodes = new Map<string, NodeFacts>();
  const node = (id: string) => {
    let n = nodes.get(id);
    if (!n) nodes.set(id, (n = { turns: 0, matched: 0, noMatch: 0, silence: 0, globalQuestion: 0, hangup: 0, userHangup: 0 }));
    return n;
  };
  const intents: string[] = [];
  const afterNoMatch: string[] = [];
  let noMatchTurns = 0;
  let interacted = false;
  let pendingNoMatch = false;
  for (const t of turns) {
    if (RESPONSE_OUTCOMES.has(t.outcome) || (t.outcome === 'prompt' && t.userText)) interacted = true;
    if (t.nodeId && t.outcome !== 'hangup') {
      const n = node(t.nodeId);
      n.turns += 1;
      if (t.outcome === 'matched') n.matched += 1;
      else if (t.outcome === 'noMatch') n.noMatch += 1;
      else if (t.outcome === 'silence') n.silence += 1;
      else if (t.outcome === 'globalQuestion') n.globalQuestion += 1;
    }
    if (INTENT_OUTCOMES.has(t.outcome) && t.intent) {
      intents.push(t.intent);
      if (pendingNoMatch) afterNoMatch.push(t.intent);
    }
    if (t.outcome === 'noMatch') noMatchTurns += 1;
    if (RESPONSE_OUTCOMES.has(t.outcome) || t.outcome === 'silence') pendingNoMatch = t.outcome === 'noMatch';
  }
  const answered = call.answered;
  if (answered && call.hangupNode) {
    const n = node(call.hangupNode);
    n.hangup = 1;
    if (call.hangupParty === 'person') n.userHangup = 1;
  }
  const evidence: Evidence = { call, interacted, intents: new Set(intents), nodes: new Set(nodes.keys()) };
  const rules = view.rules;
  const success = answered && allHold(rules.success, evidence);
  let grade: IntentionGrade | undefined;
  let stage: AnsweredStage | undefined;
  if (answered) {
    grade = rules.intention.find((r) => allHold(r.when, evidence))?.grade ?? rules.defaultGrade;
    if (call.completed) stage = 'completed';
    else if (!interacted) stage = 'silentHangup';
    else if (call.noMatchHangup) stage = 'noMatchHangup';
    else if (call.hangupReason === 'silence') stage = 'timeoutHangup';
    else if (call.hangupParty === 'person') stage = 'userHangup';
    else stage = 'otherEnd';
  }
  return {
    day,
    hour,
    answered,
    interacted: answered && interacted,
    stage,
    completed: answered && call.completed,
    transferred: answered && call.transferred,
    success,
    grade,
    numberStatus: numberStatusOf(call.status, call.sipCode),
    rounds: answered ? roundsBucket(call.turns) : undefined,
    intents: answered ? intents : [],
    noMatchTurns: answered ? noMatchTurns : 0,
    afterNoMatch: answered ? afterNoMatch : [],
    userHangupNode: answered && call.hangupParty === 'person' ? (call.hangupNode ?? '') : undefined,
    nodes: answered ? nodes : new Map(),
    tags: Object.entries(call.tags).filter(([, v]) => v !== ''),
    talkSeconds: call.talkSeconds,
    ringSeconds: call.ringSeconds,
    turns: call.turns,
  };
}
