import type * as iam from 'aws-cdk-lib/aws-iam';
import { FUNCTION_NEEDS as DECLARED, type FunctionName as DeclaredName, type FunctionNeeds } from '../functions/needs';
import type { Data } from './constructs/data';
import type { Dialing } from './constructs/dialing';
import type { Events } from './constructs/events';
import type { NluProviders } from './constructs/nlu-providers';
import type { Telephony } from './constructs/telephony';
import type { WebhookDelivery } from './constructs/webhook-delivery';

/**
 * Least privilege as data. What each Lambda function uses is declared ONCE, in functions/needs.ts: the
 * AWS composition (functions/composition.ts) builds exactly those adapters at run time (a port not declared
 * fails loudly when used), and this file turns the same declaration into IAM grants.
 * test/infra/needs.test.ts reads every function's synthesised policy back and requires it to equal its
 * needs, no more, no less.
 *
 * Adding a capability: one optional field in FunctionNeeds (functions/needs.ts), one case in
 * {@link grantNeeds}, one line in the policy reader of the test.
 *
 * @module
 */

/** The needs of every function, as declared for the runtime. */
export const FUNCTION_NEEDS: Readonly<Record<DeclaredName, FunctionNeeds>> = DECLARED;
/** The Lambda functions of the stack. */
export const FUNCTION_NAMES = Object.keys(DECLARED) as DeclaredName[];
/** One of them. */
export type FunctionName = DeclaredName;
export type { FunctionNeeds };

/** The queue whose event source invokes a function (the event source mapping grants receiving). */
export const FUNCTION_CONSUMES: Partial<Record<FunctionName, 'dial' | 'tick' | 'work' | 'webhooks'>> = {
  dialer: 'dial',
  tick: 'tick',
  worker: 'work',
  webhookDelivery: 'webhooks',
};

/** The resources needs refer to. */
export interface NeedResources {
  /** Table and buckets. */
  readonly data: Data;
  /** Bus. */
  readonly events: Events;
  /** Queues and campaign loop. */
  readonly dialing: Dialing;
  /** SIP media application. */
  readonly telephony: Telephony;
  /** Webhook delivery queue. */
  readonly webhooks: WebhookDelivery;
  /** Recognition providers the deployment enables. */
  readonly nluProviders: NluProviders;
}

/** Grants a function exactly its needs (consumption excepted: its event source mapping grants that). */
export function grantNeeds(grantee: iam.IGrantable, needs: FunctionNeeds, r: NeedResources): void {
  if (needs.store === 'readWrite') r.data.grantTableReadWrite(grantee);
  else if (needs.store === 'read') r.data.grantTableRead(grantee);
  if (needs.data === 'readWrite') r.data.grantDataReadWrite(grantee);
  else if (needs.data === 'read') r.data.grantDataRead(grantee);
  if (needs.recordings) r.data.grantRecordingsRead(grantee);
  for (const queue of needs.send ?? []) {
    if (queue === 'webhooks') r.webhooks.queue.grantSendMessages(grantee);
    else r.dialing[queue].queue.grantSendMessages(grantee);
  }
  if (needs.bus) r.events.grantPublish(grantee);
  const telephony = needs.telephony ?? [];
  if (telephony.length > 0) r.telephony.grantCalls(grantee, { place: telephony.includes('place'), update: telephony.includes('update') });
  if (needs.workflows) r.dialing.grantStartLoop(grantee);
  if (needs.recognition) r.nluProviders.grantRecognize(grantee);
}
