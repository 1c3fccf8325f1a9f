/**
 * What each Lambda function uses, as data: the AWS composition builds only these adapters (so a function
 * bundles only the SDK clients it needs) and the CDK app grants exactly these (least privilege derived from
 * use, checked by a test). A port a function does not list is absent at run time: using it fails loudly.
 */

/** The ports a function may use. */
export interface FunctionNeeds {
  /** The single table: read only, or read and write. */
  readonly store?: 'read' | 'readWrite';
  /** Publishes events on the bus. */
  readonly bus?: boolean;
  /** Queues it sends to. */
  readonly send?: readonly ('dial' | 'tick' | 'work' | 'webhooks')[];
  /** Buckets: read, or read and write. */
  readonly data?: 'read' | 'readWrite';
  readonly recordings?: 'read' | 'readWrite';
  /** Telephony calls: place (CreateSipMediaApplicationCall) and update (UpdateSipMediaApplicationCall). */
  readonly telephony?: readonly ('place' | 'update')[];
  /** Starts campaign loops (Step Functions StartExecution). */
  readonly workflows?: boolean;
  /**
   * Asks the recognition providers scenarios may choose (S9: Lex RecognizeText, Bedrock InvokeModel), on exactly the
   * bot aliases and models the deployment enables; nothing when it enables none.
   */
  readonly recognition?: boolean;
}

/**
 * Effects committed by one function may be applied by the sweep, so the sweep needs everything an effect
 * can ask for (see lib/outbox/effects.ts): counts and items (store), events (bus), messages (queues),
 * dispatch loops (workflows).
 */
const EFFECTS: FunctionNeeds = { store: 'readWrite', bus: true, send: ['dial', 'tick', 'work'], workflows: true };

/** Needs of every function of the stack, by name. */
export const FUNCTION_NEEDS = {
  /** REST API: CRUD, imports and exports (data bucket; presigned upload URLs are signed with its s3:PutObject), recording links, campaign commands (loops, cancellations). */
  api: { store: 'readWrite', bus: true, send: ['tick', 'work', 'webhooks'], data: 'readWrite', recordings: 'read', workflows: true },
  /** Dialer: places calls, hangs up calls ringing too long, hands attempts back (ticks), re-sends ring checks. */
  dialer: { store: 'readWrite', bus: true, send: ['dial', 'tick'], telephony: ['place', 'update'] },
  /**
   * Tick consumer: applies what ended calls carry (drain: job outcomes, counters, JobComplete, completion) and
   * dispatches (dial requests). None of those effects starts a loop.
   */
  tick: { store: 'readWrite', bus: true, send: ['dial', 'tick', 'work'] },
  /** Step Functions dispatch task of a campaign loop (it cannot start loops: the loop itself invokes it). */
  dispatch: { store: 'readWrite', bus: true, send: ['dial', 'tick', 'work'] },
  /** Minute sweep: pending effects, lost attempts, completion, ticks for live instances. */
  sweep: EFFECTS,
  /** Worker: imports, re-runs, cancellations of stopped campaigns, exports. */
  worker: { store: 'readWrite', bus: true, send: ['tick', 'work'], data: 'readWrite' },
  /** SIP media application handler: call records, transcripts, leases, events; asks for the drain at hang-up; scenarios' own recognisers. */
  sma: { store: 'readWrite', bus: true, send: ['tick'], recognition: true },
  /** Recordings bucket notifications: attach the recording to its call, RecordingReady. */
  recordings: { store: 'readWrite', bus: true },
  /** Webhook delivery: reads subscriptions, writes the delivery log and dead letters, re-queues its retries. */
  webhookDelivery: { store: 'readWrite', send: ['webhooks'] },
  /** Firehose record transformation of the analytics datasets: maps events to rows, touches nothing else. */
  analyticsTransform: {},
  /** Lex code hook of the recogniser bot: nothing but its own input. */
  recognizerHook: {},
} as const satisfies Record<string, FunctionNeeds>;

/** A function of the stack. */
export type FunctionName = keyof typeof FUNCTION_NEEDS;
