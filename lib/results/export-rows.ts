/**
 * Columns and rows of the exports (SPEC R6). The call log follows seed 002's 呼叫流水 columns in its
 * order (JobID, 用户ID, 作业状态, 用户名, TaskID, 主叫号码, 被叫号码, 状态, 计划呼出时间, 实际呼出时间,
 * 通话时长, 交互轮次, 对话完结, 挂断方, 振铃时长, 呼叫异常, 录音ID, 对话记录ID), then a few of ours.
 * Headers come in English or in the seed's Chinese.
 */
import type { Job } from '../campaigns/schema';
import type { CallRecord, StoredTurn } from '../telephony/call-records';
import type { Cell } from './writers';

/** Export languages (headers and yes/no). */
export type ExportLanguage = 'en' | 'zh';

type Header = readonly [en: string, zh: string];

/** Call log columns (seed 002 呼叫流水, then ours). */
export const CALL_LOG_COLUMNS: readonly Header[] = [
  ['Job id', 'JobID'],
  ['Reference id', '用户ID'],
  ['Job status', '作业状态'],
  ['Name', '用户名'],
  ['Call id', 'TaskID'],
  ['Caller', '主叫号码'],
  ['Callee', '被叫号码'],
  ['Call status', '状态'],
  ['Planned at', '计划呼出时间'],
  ['Dialled at', '实际呼出时间'],
  ['Talk seconds', '通话时长'],
  ['Turns', '交互轮次'],
  ['Dialog completed', '对话完结'],
  ['Hang-up party', '挂断方'],
  ['Ring seconds', '振铃时长'],
  ['Call failure', '呼叫异常'],
  ['Recording id', '录音ID'],
  ['Transcript id', '对话记录ID'],
  ['Campaign id', '任务ID'],
  ['Attempt', '拨打次序'],
  ['Answered', '有应答'],
  ['No-match hang-up', '拒识挂机'],
  ['Hang-up node', '挂断节点'],
  ['Ended at', '结束时间'],
  ['SIP code', 'SIP码'],
  ['Tags', '标签'],
];

/** Unreachable contacts (seed 002 "下载未接通列表"): dialled, never answered by a person. */
export const UNREACHABLE_COLUMNS: readonly Header[] = [
  ['Phone', '被叫号码'],
  ['Name', '用户名'],
  ['Reference id', '用户ID'],
  ['Job id', 'JobID'],
  ['Job status', '作业状态'],
  ['Failure reason', '失败原因'],
  ['Attempts', '拨打次数'],
  ['Last call status', '最后通话状态'],
  ['Last dialled at', '最后拨打时间'],
  ['Variables', '变量'],
];

/** Transcripts (seed 002 "通话记录"): one row per turn, with the call's summary and result. */
export const TRANSCRIPT_COLUMNS: readonly Header[] = [
  ['Call id', 'TaskID'],
  ['Job id', 'JobID'],
  ['Name', '用户名'],
  ['Phone', '被叫号码'],
  ['Reference id', '用户ID'],
  ['Dialled at', '实际呼出时间'],
  ['Call status', '状态'],
  ['Dialog completed', '对话完结'],
  ['Tags', '标签'],
  ['Turn', '轮次'],
  ['Time', '时间'],
  ['Node', '节点'],
  ['Robot said', '机器人'],
  ['Person said', '用户'],
  ['Intent', '意图'],
  ['Score', '置信度'],
  // Who decided the intent when the scenario's own recogniser (Lex, Bedrock) was asked; empty for the built-in one.
  ['Recogniser', '识别来源'],
  ['Outcome', '结果'],
  ['Recording id', '录音ID'],
];

/** No-match cases of the workbook (seed 002 拒识case). */
export const NO_MATCH_COLUMNS: readonly Header[] = [
  ['Call id', 'TaskID'],
  ['Phone', '被叫号码'],
  ['Name', '用户名'],
  ['Time', '时间'],
  ['Node', '节点'],
  ['Robot said', '机器人'],
  ['Person said', '用户'],
  ['Best intent', '最接近意图'],
  ['Score', '置信度'],
];

/** Headers in a language. */
export const headers = (columns: readonly Header[], language: ExportLanguage): string[] => columns.map(([en, zh]) => (language === 'zh' ? zh : en));

const yesNo = (v: boolean, language: ExportLanguage) => (language === 'zh' ? (v ? '是' : '否') : v ? 'yes' : 'no');
const tagText = (tags: Record<string, string>) =>
  Object.entries(tags)
    .map(([k, v]) => `${k}=${v}`)
    .join('; ');
const PARTY_ZH: Record<string, string> = { robot: '机器人', person: '用户', system: '系统' };

/** What the "call failure" column says: the line's verdict for calls the network or our side failed. */
function callFailure(call: CallRecord): string {
  if (['Failed', 'CallerNotRegistered', 'NotConnected', 'VerificationCancelled'].includes(call.status)) {
    return [call.sipCode !== undefined ? `SIP ${call.sipCode}` : '', call.hangupReason ?? ''].filter(Boolean).join(' ') || call.status;
  }
  return '';
}

/** A call log row. */
export function callLogRow(job: Job, call: CallRecord, language: ExportLanguage): Cell[] {
  return [
    job.jobId,
    job.contact.referenceId ?? '',
    job.status,
    job.contact.name ?? '',
    call.callId,
    call.caller ?? '',
    call.callee ?? job.contact.phone,
    call.status,
    call.plannedAt ?? '',
    call.dialledAt,
    call.talkSeconds,
    call.turns,
    yesNo(call.completed, language),
    call.hangupParty ? (language === 'zh' ? (PARTY_ZH[call.hangupParty] ?? call.hangupParty) : call.hangupParty) : '',
    call.ringSeconds,
    callFailure(call),
    call.recordingKey ?? '',
    call.turns > 0 ? call.callId : '',
    call.campaignId,
    call.attempt,
    yesNo(call.answered, language),
    yesNo(call.noMatchHangup, language),
    call.hangupNode ?? '',
    call.endedAt ?? '',
    call.sipCode ?? null,
    tagText(call.tags),
  ];
}

/** An unreachable contact row, or undefined when a person answered the job or it was never dialled. */
export function unreachableRow(job: Job, calls: readonly CallRecord[]): Cell[] | undefined {
  if (job.answered || calls.some((c) => c.answered) || calls.length === 0) return undefined;
  const last = calls[calls.length - 1]!;
  return [
    job.contact.phone,
    job.contact.name ?? '',
    job.contact.referenceId ?? '',
    job.jobId,
    job.status,
    job.failureReason ?? '',
    calls.length,
    last.status,
    last.dialledAt,
    tagText(job.contact.variables),
  ];
}

/** Transcript rows of a call: one per turn (a call without turns gives one summary row). */
export function transcriptRows(job: Job, call: CallRecord, turns: readonly StoredTurn[], language: ExportLanguage): Cell[][] {
  const head: Cell[] = [
    call.callId,
    job.jobId,
    job.contact.name ?? '',
    call.callee ?? job.contact.phone,
    job.contact.referenceId ?? '',
    call.dialledAt,
    call.status,
    yesNo(call.completed, language),
    tagText(call.tags),
  ];
  if (turns.length === 0) return [[...head, null, '', '', '', '', '', null, '', '', call.recordingKey ?? '']];
  return turns.map((t) => [
    ...head,
    t.index + 1,
    t.time,
    t.nodeId,
    t.prompt ?? '',
    t.userText ?? '',
    t.intent ?? '',
    t.score ?? null,
    t.recognizer ?? '',
    t.outcome,
    call.recordingKey ?? '',
  ]);
}

/** No-match rows of a call (the workbook's 拒识case sheet). */
export function noMatchRows(job: Job, call: CallRecord, turns: readonly StoredTurn[]): Cell[][] {
  return turns
    .filter((t) => t.outcome === 'noMatch')
    .map((t) => [call.callId, call.callee ?? job.contact.phone, job.contact.name ?? '', t.time, t.nodeId, t.prompt ?? '', t.userText ?? '', t.intent ?? '', t.score ?? null]);
}
