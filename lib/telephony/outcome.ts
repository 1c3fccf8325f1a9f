import type { CallStatus, JobFailureReason } from '../domain/statuses';

/** How a call that never reached a conversation ended, from its SIP response code (T3). */
export interface SipClassification {
  status: CallStatus;
  /** The failure is ours or the network's, not the callee's: it does not count towards the daily cap (P6). */
  systemFailure: boolean;
}

/**
 * Call status for a SIP final response of an unanswered outbound call. Codes follow RFC 3261 and
 * the usual carrier practice: 486/600/603 busy or declined, 480/408/487 no answer, 404/484/604
 * number not found, 410 gone (out of service), 401/403/407 caller refused by the trunk.
 */
export function statusFromSipCode(code: number | undefined): SipClassification {
  switch (code) {
    case undefined:
    case 0:
    case 408:
    case 480:
    case 487:
      return { status: 'NoAnswer', systemFailure: false };
    case 486:
    case 600:
    case 603:
      return { status: 'Busy', systemFailure: false };
    case 404:
    case 484:
    case 604:
      return { status: 'NotExist', systemFailure: false };
    case 410:
      return { status: 'OutOfService', systemFailure: false };
    case 401:
    case 403:
    case 407:
      return { status: 'CallerNotRegistered', systemFailure: true };
    default:
      if (code >= 500 && code < 600) return { status: 'NotConnected', systemFailure: true };
      return { status: 'Failed', systemFailure: true };
  }
}

/** What the first thing heard on an answered call turned out to be (P9). */
export type FirstUtteranceKind =
  | { kind: 'person' }
  | { kind: 'voicemail' }
  | { kind: 'announcement'; status: Extract<CallStatus, 'EmptyNumber' | 'PoweredOff' | 'OutOfService' | 'InArrears' | 'NotConnected' | 'Busy'> };

const norm = (s: string) => s.toLowerCase().replace(/[’']/g, "'").replace(/\s+/g, ' ').trim();

// Order matters: "欠费停机" is arrears, not a plain suspension; "no longer in service" is an empty number.
const ANNOUNCEMENTS: [FirstUtteranceKind & { kind: 'announcement' }, RegExp][] = [
  [{ kind: 'announcement', status: 'InArrears' }, /欠费|arrears|overdue|unpaid (bill|balance)|insufficient (balance|credit)/],
  [{ kind: 'announcement', status: 'EmptyNumber' }, /空号|不存在|does not exist|is not a valid number|not been assigned|no longer in service|is not in service.*check|check the number/],
  [{ kind: 'announcement', status: 'PoweredOff' }, /已关机|关机|powered off|switched off|phone is off/],
  [{ kind: 'announcement', status: 'OutOfService' }, /已停机|停机|out of service|not in service|has been (suspended|disconnected)|temporarily suspended/],
  [{ kind: 'announcement', status: 'Busy' }, /正在通话中|用户忙|is busy now|is on another call|line is busy/],
  [{ kind: 'announcement', status: 'NotConnected' }, /无法接通|暂时无法接通|不在服务区|cannot be (connected|reached|completed)|unable to (connect|complete)|not reachable|out of (the )?(coverage|service) area/],
];

const VOICEMAIL =
  /leave (a|your) message|after the (tone|beep)|at the (tone|beep)|voice ?mail|mailbox|record your message|is not available|can't take your call|cannot take your call|unable to take your call|留言|语音信箱|信箱|提示音后|嘀声后|哔声后|无人接听.*留言/;

/** Classifies the first utterance of an answered call: a person, an answering machine, or a carrier announcement (P9). */
export function classifyFirstUtterance(text: string): FirstUtteranceKind {
  const t = norm(text);
  if (!t) return { kind: 'person' };
  for (const [kind, re] of ANNOUNCEMENTS) if (re.test(t)) return kind;
  if (VOICEMAIL.test(t)) return { kind: 'voicemail' };
  return { kind: 'person' };
}

/** Call status of an answered call from what its first utterance was. */
export function statusOfAnsweredCall(kind: FirstUtteranceKind): CallStatus {
  if (kind.kind === 'voicemail') return 'Voicemail';
  if (kind.kind === 'announcement') return kind.status;
  return 'Succeeded';
}

/** Action errors that mean the call itself failed (as opposed to one prompt or listen failing). */
export function statusFromActionError(actionType: string, errorType: string | undefined): CallStatus | undefined {
  if (actionType === 'CallAndBridge') return undefined;
  if (errorType === 'SystemException' || errorType === 'InternalServerError') return 'Failed';
  return undefined;
}

/** Job failure reason when an attempt with this status is the job's last (T3). */
export function failureReasonFor(status: CallStatus): JobFailureReason {
  switch (status) {
    case 'NoAnswer':
    case 'NotConnected':
      return 'NoAnswer';
    case 'Busy':
    case 'NotExist':
    case 'EmptyNumber':
    case 'PoweredOff':
    case 'OutOfService':
    case 'InArrears':
    case 'Voicemail':
    case 'PerDayCallCountLimit':
    case 'ContactBlockList':
      return status;
    case 'Cancelled':
    case 'Terminated':
      return 'Stopped';
    default:
      return 'CallFailed';
  }
}

/** The callee took part in a conversation: answered by a person, not a machine or an announcement (P9). */
export function isConversation(status: CallStatus): boolean {
  return status === 'Succeeded';
}
