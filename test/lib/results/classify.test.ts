import { describe, expect, it } from 'vitest';
import { classifyCall, numberStatusOf, roundsBucket, scenarioView } from '../../../lib/results/classify';
import { reportingIssues } from '../../../lib/scenarios/reporting';
import { TEMPLATES, getTemplate } from '../../../lib/scenarios/templates';
import { CallRecord, type StoredTurn } from '../../../lib/telephony/call-records';

const call = (over: Partial<CallRecord> = {}) =>
  CallRecord.parse({ callId: 'c1', instanceId: 'i', campaignId: 'c', jobId: 'j', attempt: 1, dialledAt: '2026-01-05T23:30:00.000Z', status: 'Succeeded', answered: true, ...over });
const turn = (index: number, nodeId: string, outcome: StoredTurn['outcome'], intent?: string): StoredTurn => ({
  callId: 'c1',
  index,
  time: '2026-01-05T23:30:00.000Z',
  nodeId,
  outcome,
  ...(intent ? { intent, score: 0.9 } : {}),
  ...(outcome === 'prompt' || outcome === 'silence' ? {} : { userText: 'x' }),
});

describe('numberStatusOf', () => {
  it('maps call statuses and SIP codes to seed 001 number statuses', () => {
    expect(numberStatusOf('Succeeded')).toBe(1);
    expect(numberStatusOf('CallerNotRegistered', 403)).toBe(2);
    expect(numberStatusOf('Busy', 603)).toBe(3);
    expect(numberStatusOf('NoAnswer', 480)).toBe(4);
    expect(numberStatusOf('Voicemail')).toBe(4);
    expect(numberStatusOf('NotExist', 404)).toBe(5);
    expect(numberStatusOf('EmptyNumber')).toBe(5);
    expect(numberStatusOf('PoweredOff')).toBe(6);
    expect(numberStatusOf('OutOfService', 410)).toBe(7);
    expect(numberStatusOf('Busy', 486)).toBe(8);
    expect(numberStatusOf('PerDayCallCountLimit')).toBe(9);
    expect(numberStatusOf('InArrears')).toBe(10);
    expect(numberStatusOf('ContactBlockList')).toBe(11);
    expect(numberStatusOf('Failed', 607)).toBe(12);
    expect(numberStatusOf('NotConnected', 503)).toBe(2);
    expect(numberStatusOf('NotConnected')).toBe(4);
    expect(numberStatusOf('Cancelled')).toBeUndefined();
  });
});

describe('roundsBucket', () => {
  it('puts turn counts into seed 001 buckets', () => {
    expect([0, 1, 2, 5, 6, 10, 11, 20, 21].map(roundsBucket)).toEqual(['1', '1', '2~5', '2~5', '6~10', '6~10', '11~20', '11~20', '>20']);
  });
});

describe('classifyCall', () => {
  const reminder = scenarioView(getTemplate('payment-reminder')!.definition('en'));

  it('uses the instance zone for the day and hour', () => {
    const f = classifyCall(call(), [], reminder, 'Asia/Shanghai');
    expect([f.day, f.hour]).toEqual(['2026-01-06', 7]);
  });

  it('grades a promise to pay A and counts it a success', () => {
    const f = classifyCall(call({ tags: { promise: 'later', promiseDate: 'friday' }, completed: true }), [turn(0, 'identity', 'matched', 'affirm')], reminder, 'UTC');
    expect([f.grade, f.success, f.stage]).toEqual(['A', true, 'completed']);
  });

  it('grades a refusal C, a "call me later" D, a plain exchange B and a silent answer E', () => {
    expect(classifyCall(call({ tags: { promise: 'refused' } }), [turn(0, 'reminder', 'matched', 'cannot_pay')], reminder, 'UTC').grade).toBe('C');
    expect(classifyCall(call({ tags: { contact: 'later' } }), [turn(0, 'identity', 'matched', 'busy')], reminder, 'UTC').grade).toBe('D');
    expect(classifyCall(call(), [turn(0, 'identity', 'noMatch')], reminder, 'UTC').grade).toBe('B');
    const silent = classifyCall(call({ hangupParty: 'person', hangupNode: 'identity' }), [turn(0, 'identity', 'silence')], reminder, 'UTC');
    expect([silent.grade, silent.stage, silent.userHangupNode]).toEqual(['E', 'silentHangup', 'identity']);
  });

  it('does not grade or count intents of calls no person answered', () => {
    const f = classifyCall(call({ status: 'Voicemail', answered: false }), [turn(0, '', 'hangup')], reminder, 'UTC');
    expect([f.grade, f.stage, f.success, f.intents.length, f.numberStatus]).toEqual([undefined, undefined, false, 0, 4]);
  });

  it('puts an interacted call that did not complete in exactly one hang-up stage', () => {
    const t = [turn(0, 'identity', 'matched', 'affirm')];
    expect(classifyCall(call({ noMatchHangup: true, hangupReason: 'noMatch', hangupParty: 'robot' }), t, reminder, 'UTC').stage).toBe('noMatchHangup');
    expect(classifyCall(call({ hangupReason: 'silence', hangupParty: 'robot' }), t, reminder, 'UTC').stage).toBe('timeoutHangup');
    expect(classifyCall(call({ hangupReason: 'person', hangupParty: 'person' }), t, reminder, 'UTC').stage).toBe('userHangup');
    expect(classifyCall(call({ hangupReason: 'node', hangupParty: 'robot' }), t, reminder, 'UTC').stage).toBe('otherEnd');
  });

  it('records the intents recognised right after a no-match and per-node figures', () => {
    const f = classifyCall(
      call({ hangupNode: 'askDate', hangupParty: 'person' }),
      [turn(0, 'identity', 'noMatch'), turn(1, 'identity', 'matched', 'affirm'), turn(2, 'reminder', 'noMatch'), turn(3, 'reminder', 'silence'), turn(4, 'reminder', 'globalQuestion', 'purpose'), turn(5, 'askDate', 'hangup')],
      reminder,
      'UTC',
    );
    expect(f.intents).toEqual(['affirm', 'purpose']);
    expect(f.afterNoMatch).toEqual(['affirm']);
    expect(f.noMatchTurns).toBe(2);
    expect(f.nodes.get('identity')).toMatchObject({ turns: 2, matched: 1, noMatch: 1 });
    expect(f.nodes.get('reminder')).toMatchObject({ turns: 3, noMatch: 1, silence: 1, globalQuestion: 1 });
    expect(f.nodes.get('askDate')).toMatchObject({ turns: 0, hangup: 1, userHangup: 1 });
  });

  it('counts a notification heard to the end only when the robot ended the call', () => {
    const notice = scenarioView(getTemplate('notification')!.definition('en'));
    expect(classifyCall(call({ completed: true, hangupParty: 'robot' }), [], notice, 'UTC').success).toBe(true);
    expect(classifyCall(call({ completed: true, hangupParty: 'person' }), [], notice, 'UTC').success).toBe(false);
  });

  it('counts a screening a success only with all three answers', () => {
    const screening = scenarioView(getTemplate('health-screening')!.definition('zh'));
    expect(classifyCall(call({ tags: { fever: 'no', riskContact: 'no', travel: 'yes' } }), [], screening, 'UTC').success).toBe(true);
    expect(classifyCall(call({ tags: { fever: 'no', riskContact: 'no' } }), [], screening, 'UTC').success).toBe(false);
  });
});

describe('template reporting rules', () => {
  it('refer only to tag groups, nodes and intents their scenario has', () => {
    for (const t of TEMPLATES) {
      for (const language of ['en', 'zh'] as const) {
        const def = t.definition(language);
        const vocabulary = {
          tagGroups: new Set(def.tagGroups.map((g) => g.name)),
          nodes: new Set(def.nodes.map((n) => n.id)),
          intents: new Set([...def.intents.map((i) => i.name), ...def.globalQuestions.map((q) => q.id), 'busy', 'not_interested', 'stop_calling', 'complaint']),
        };
        expect(def.reporting, t.id).toBeDefined();
        expect(reportingIssues(def.reporting, vocabulary), t.id).toEqual([]);
      }
    }
  });

  it('report an unknown tag group, node or intent with its path', () => {
    const issues = reportingIssues(
      { success: [{ kind: 'tag', group: 'nope' }], intention: [{ grade: 'A', when: [{ kind: 'node', nodes: ['ghost'] }, { kind: 'intent', intents: ['x'] }] }] },
      { tagGroups: new Set(), nodes: new Set(), intents: new Set() },
    );
    expect(issues.map((i) => i.path)).toEqual(['reporting.success.0.group', 'reporting.intention.0.when.0.nodes', 'reporting.intention.0.when.1.intents']);
  });
});
