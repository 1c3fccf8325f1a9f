import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { SfnWorkflows, executionName } from '../../../../lib/adapters/aws/sfn-workflows';
import { AdapterError } from '../../../../lib/core/errors';

const sfn = mockClient(SFNClient);
const ARN = 'arn:aws:states:eu-west-1:123456789012:stateMachine:campaign-loop';
const workflows = () => new SfnWorkflows({ stateMachineArn: ARN, client: sfn as unknown as SFNClient });

beforeEach(() => sfn.reset());

describe('SfnWorkflows', () => {
  it('starts one execution named after the campaign run', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'x', startDate: new Date() });
    await workflows().startCampaignLoop({ instanceId: 'I1', campaignId: 'CMP01J', run: 2 });
    expect(sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input).toEqual({
      stateMachineArn: ARN,
      name: 'CMP01J-2',
      input: JSON.stringify({ instanceId: 'I1', campaignId: 'CMP01J', run: 2 }),
    });
  });

  it('treats an execution that already exists as started', async () => {
    sfn.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: 'exists', $metadata: {} }));
    await expect(workflows().startCampaignLoop({ instanceId: 'I1', campaignId: 'C', run: 1 })).resolves.toBeUndefined();
  });

  it('throws an AdapterError for other failures', async () => {
    sfn.on(StartExecutionCommand).rejects(Object.assign(new Error('no such machine'), { name: 'StateMachineDoesNotExist' }));
    await expect(workflows().startCampaignLoop({ instanceId: 'I1', campaignId: 'C', run: 1 })).rejects.toBeInstanceOf(AdapterError);
  });

  it('sanitises names to the allowed characters and 80 characters, keeping different runs apart', () => {
    expect(executionName('cmp 1/a:b', 3)).toMatch(/^cmp_1_a_b-3-[0-9a-f]{12}$/);
    expect(executionName('cmp 1/a:b', 3)).not.toBe(executionName('cmp_1_a_b', 3));
    const long = 'C'.repeat(100);
    expect(executionName(long, 1)).toHaveLength(80);
    expect(executionName(long, 1)).not.toBe(executionName(long, 2));
    expect(executionName(long, 1)).toMatch(/^[A-Za-z0-9_-]+$/);
  });
});
