import type { Template } from 'aws-cdk-lib/assertions';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type { CfnElement, Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { FUNCTION_CONSUMES, FUNCTION_NAMES, FUNCTION_NEEDS, type FunctionNeeds } from '../../infra/needs';

type QueueName = 'dial' | 'tick' | 'work' | 'webhooks';
import type { ReachoutStack } from '../../infra/stacks/reachout-stack';
import { resourcesOf, synthesized, type Variant } from './support';

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

const list = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);

/** Logical id of a construct's CloudFormation resource. */
const idOf = (stack: Stack, c: CfnElement) => stack.getLogicalId(c);

/** Every statement that applies to a function's role: its default policy and any policy attached to the role. */
function statementsOfRole(template: Template, roleId: string): Statement[] {
  const out: Statement[] = [];
  for (const policy of Object.values(resourcesOf(template, 'AWS::IAM::Policy'))) {
    const roles = (policy.Properties!.Roles as { Ref: string }[]).map((r) => r.Ref);
    if (roles.includes(roleId)) out.push(...(policy.Properties!.PolicyDocument as { Statement: Statement[] }).Statement);
  }
  const role = resourcesOf(template, 'AWS::IAM::Role')[roleId]!;
  for (const p of (role.Properties!.Policies ?? []) as { PolicyDocument: { Statement: Statement[] } }[]) out.push(...p.PolicyDocument.Statement);
  return out;
}

/**
 * Reads a function's needs back from its synthesised policy: the inverse of infra/needs.ts grantNeeds, written
 * independently of it. Anything the reader does not recognise is reported, so a grant no need explains fails the test.
 */
function needsFromPolicy(stack: ReachoutStack, template: Template, statements: Statement[], ownLogGroup: string): { needs: FunctionNeeds; consume?: QueueName; unexplained: string[] } {
  const table = idOf(stack, stack.data.table.node.defaultChild as CfnElement);
  const dataBucket = idOf(stack, stack.data.dataBucket.node.defaultChild as CfnElement);
  const recordings = idOf(stack, stack.data.recordingsBucket.node.defaultChild as CfnElement);
  const bus = idOf(stack, stack.events.bus.node.defaultChild as CfnElement);
  const machine = idOf(stack, stack.dialing.stateMachine.node.defaultChild as CfnElement);
  const queues: Record<string, QueueName> = {};
  for (const q of ['dial', 'tick', 'work'] as const) queues[idOf(stack, stack.dialing[q].queue.node.defaultChild as CfnElement)] = q;
  queues[idOf(stack, stack.webhooks.queue.node.defaultChild as CfnElement)] = 'webhooks';
  const smaRequest = Object.keys(resourcesOf(template, 'Custom::PSTNResources')).find((id) => id.startsWith('TelephonySipMediaAppsipMediaAppRequest'))!;

  const table_: Set<string> = new Set();
  const buckets: Record<string, Set<string>> = { data: new Set(), recordings: new Set() };
  const send = new Set<QueueName>();
  let consume: QueueName | undefined;
  let publish = false;
  let startWorkflows = false;
  let recognition = false;
  const telephony = new Set<'place' | 'update'>();
  const unexplained: string[] = [];

  for (const st of statements) {
    if (st.Effect !== 'Allow') continue;
    const resources = JSON.stringify(st.Resource);
    const refers = (id: string) => resources.includes(`"${id}"`);
    for (const action of list(st.Action)) {
      const [service] = action.split(':');
      if (service === 'xray' && resources === '"*"') continue;
      if (service === 'logs' && refers(ownLogGroup)) continue;
      if (service === 'dynamodb' && refers(table)) table_.add(action);
      else if (service === 's3' && refers(dataBucket)) buckets.data!.add(action);
      else if (service === 's3' && refers(recordings)) buckets.recordings!.add(action);
      else if (action === 'sqs:SendMessage' || (service === 'sqs' && ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl'].includes(action) && !list(st.Action).includes('sqs:ReceiveMessage'))) {
        const q = Object.entries(queues).find(([id]) => refers(id));
        if (q) send.add(q[1]);
        else unexplained.push(`${action} on ${resources}`);
      } else if (service === 'sqs' && list(st.Action).includes('sqs:ReceiveMessage')) {
        const q = Object.entries(queues).find(([id]) => refers(id));
        if (q) consume = q[1];
        else unexplained.push(`${action} on ${resources}`);
      } else if (action === 'events:PutEvents' && refers(bus)) publish = true;
      else if (action === 'states:StartExecution' && refers(machine)) startWorkflows = true;
      else if (action === 'chime:CreateSipMediaApplicationCall' && refers(smaRequest)) telephony.add('place');
      else if (action === 'chime:UpdateSipMediaApplicationCall' && refers(smaRequest)) telephony.add('update');
      else if ((action === 'lex:RecognizeText' && /bot-alias\//.test(resources)) || (action === 'bedrock:InvokeModel' && /foundation-model\//.test(resources))) recognition = true;
      else unexplained.push(`${action} on ${resources}`);
    }
  }

  const needs: { -readonly [K in keyof FunctionNeeds]: FunctionNeeds[K] } = {};
  if (table_.has('dynamodb:PutItem')) needs.store = 'readWrite';
  else if (table_.has('dynamodb:GetItem')) needs.store = 'read';
  const access = (actions: Set<string>) => (actions.has('s3:PutObject') ? 'readWrite' : actions.has('s3:GetObject*') ? 'read' : undefined);
  if (access(buckets.data!)) needs.data = access(buckets.data!) as 'read' | 'readWrite';
  if (access(buckets.recordings!)) needs.recordings = access(buckets.recordings!) as 'read';
  if (send.size > 0) needs.send = [...send].sort();
  if (publish) needs.bus = true;
  if (telephony.size > 0) needs.telephony = (['place', 'update'] as const).filter((t) => telephony.has(t));
  if (startWorkflows) needs.workflows = true;
  if (recognition) needs.recognition = true;
  return { needs, ...(consume ? { consume } : {}), unexplained };
}

/** A needs record with sorted lists, for comparison. */
const normalised = (n: FunctionNeeds): FunctionNeeds => ({ ...n, ...(n.send ? { send: [...n.send].sort() } : {}) });

for (const variant of ['default', 'full'] as Variant[]) {
  describe(`function policies (${variant} stack)`, () => {
    const { stack, template } = synthesized(variant);

    for (const name of FUNCTION_NAMES) {
      it(`give ${name} exactly what functions/needs.ts declares it uses`, () => {
        const fn = stack.functions[name];
        const roleId = idOf(stack, (fn.role as iam.Role).node.defaultChild as CfnElement);
        const ownLogGroup = idOf(stack, fn.logs.node.defaultChild as CfnElement);
        const { needs, consume, unexplained } = needsFromPolicy(stack, template, statementsOfRole(template, roleId), ownLogGroup);
        expect(unexplained).toEqual([]);
        // A deployment without recognition providers grants nothing for them (NluProviders), whatever the needs say.
        const { recognition, ...rest } = FUNCTION_NEEDS[name] as FunctionNeeds;
        expect(needs).toEqual(normalised(stack.nluProviders.enabled && recognition ? { ...rest, recognition } : rest));
        expect(consume).toBe(FUNCTION_CONSUMES[name]);
      });
    }
  });
}

describe('FUNCTION_NEEDS', () => {
  it('removes the over-grants the issue found: no calls from the API, no table for the recogniser hook, no recordings for the worker', () => {
    expect(FUNCTION_NEEDS.api.telephony).toBeUndefined();
    expect(FUNCTION_NEEDS.recognizerHook).toEqual({});
    expect(FUNCTION_NEEDS.worker.recordings).toBeUndefined();
  });

  it('lets only consumers of a queue consume it, one consumer per queue', () => {
    const consumers = FUNCTION_NAMES.map((n) => FUNCTION_CONSUMES[n]).filter(Boolean);
    expect(consumers.sort()).toEqual(['dial', 'tick', 'webhooks', 'work']);
  });
});

