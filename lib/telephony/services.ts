import type { Deps } from '../core/deps';
import type { CallOutcome } from '../domain/dialing';
import type { DialogCommand, DialogEvent } from '../dialog/types';
import type { DelegateCommand, VoiceSettings } from './actions';

/** Ids every call carries in its arguments and transaction attributes (T1). */
export interface CallIds {
  instanceId: string;
  campaignId: string;
  jobId: string;
  attempt: number;
  callId: string;
  leaseSlot?: number;
}

/** What a call needs from its campaign, job and scenario; loaded once per call. */
export interface CallPlan {
  scenarioId: string;
  scenarioVersion: number;
  voice: VoiceSettings;
  /** Record both tracks (T5). */
  recording: boolean;
  /** Delay before the first prompt after answer, ms (S11); used when the engine emits no pause itself. */
  delayMs: number;
  /** Variables prompts use (contact name, honorific, custom fields). */
  variables: Record<string, string>;
  caller?: string;
  callee?: string;
  referenceId?: string;
  plannedAt?: string;
  transferTimeoutSeconds?: number;
  /**
   * Listen briefly for the callee's first words before the first prompt, so answering machines and
   * carrier announcements are recognised even when the scenario starts by talking (P9). Default true.
   */
  listenForGreeting?: boolean;
}

/** Commands the handler carries out: the engine's, plus `delegate` (S13). */
export type ChannelCommand = DialogCommand | DelegateCommand;

/** A compiled scenario bound to the dialog engine; the state is opaque JSON that travels with the call. */
export interface DialogDriver {
  start(variables: Record<string, string>, at: number): [unknown, ChannelCommand[]];
  next(state: unknown, event: DialogEvent, variables: Record<string, string>): [unknown, ChannelCommand[]];
  isOver?(state: unknown): boolean;
}

/** What the SMA handler needs from the rest of Reachout; `realSmaServices` wires the real modules. */
export interface SmaServices {
  /** Loads campaign, job and instance settings into a call plan; undefined when the call is unknown. */
  loadPlan(deps: Deps, ids: CallIds): Promise<CallPlan | undefined>;
  /** Loads and compiles a published scenario version; the handler caches the result per container. */
  loadDialog(deps: Deps, instanceId: string, scenarioId: string, version: number): Promise<DialogDriver | undefined>;
  /** Applies the outcome to the job and campaign, releases the lease and refills (idempotent per job and attempt). */
  finishCall(deps: Deps, outcome: CallOutcome): Promise<void>;
}
