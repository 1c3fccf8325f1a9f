import type { Blobs } from '../ports/blobs';
import type { Bus } from '../ports/bus';
import type { Clock } from '../ports/clock';
import type { PhoneGeo } from '../ports/phone-geo';
import type { Queue } from '../ports/queue';
import type { Store } from '../ports/store';
import type { Telephony } from '../ports/telephony';
import type { Workflows } from '../ports/workflows';
import type { Outbox } from '../outbox/outbox';
import type { Logger } from './log';

/** Everything a handler needs from the outside world; built once per Lambda module (AWS) or once per process (local). */
export interface Deps {
  store: Store;
  queues: {
    /** Dial requests, consumed by the dialer at the permitted rate. */
    dial: Queue;
    /** Planning requests (refill when a call ends, campaign state changes). */
    tick: Queue;
    /** Background work: imports, exports. */
    work: Queue;
    /** Webhook deliveries and their retries (E2); absent where nothing redelivers (only the API and the delivery function send to it). */
    webhooks?: Queue;
  };
  bus: Bus;
  blobs: {
    /** Uploads, exports, analytics datasets. */
    data: Blobs;
    /** Call recordings. */
    recordings: Blobs;
  };
  telephony: Telephony;
  workflows: Workflows;
  /**
   * Phone-number geocoding (P2 time zones, P8 local presence); only the functions that plan dials have it
   * (its data stays out of the other bundles). Absent: local presence picks the default number and time
   * zones come from the hand-kept table.
   */
  geo?: PhoneGeo;
  clock: Clock;
  log: Logger;
  /** Settings read from the environment. */
  config: RuntimeConfig;
}

/** Deployment-level settings (not per instance). */
export interface RuntimeConfig {
  /** Source of events on the bus. */
  eventSource: string;
  /** New calls per second allowed by the telephony quota across all dialers (Chime default 1). */
  callsPerSecond: number;
  /** Lex V2 recogniser bot alias ARN for speech (T2), when deployed. */
  recognizerBotAliasArn?: string;
  /** AWS region, or 'local'. */
  region: string;
}

/** Event source used on the bus unless configured. */
export const DEFAULT_EVENT_SOURCE = 'reachout';

/**
 * Deps plus the services built from them by the composition root (lib/composition.ts): what domain code
 * that changes state needs. Built once per Lambda module or local process.
 */
export interface Services extends Deps {
  /** Applies effects committed with state changes (the outbox). */
  outbox: Outbox;
}
