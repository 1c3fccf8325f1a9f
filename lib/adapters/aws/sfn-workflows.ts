import { createHash } from 'node:crypto';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { AdapterError } from '../../core/errors';
import type { StartCampaignLoopInput, Workflows } from '../../ports/workflows';
import { describeError, errorName } from './retry';

// One client per module (Lambda execution environment), created on first use so importing is free.
let defaultSfnClient: SFNClient | undefined;
const defaultClient = () => (defaultSfnClient ??= new SFNClient({}));

/** Options of the Step Functions workflows adapter. */
export interface SfnWorkflowsOptions {
  /** The campaign dispatch loop's state machine. */
  stateMachineArn: string;
  /** SFN client; a shared default otherwise. */
  client?: SFNClient;
}

const MAX_NAME = 80;

/**
 * Execution name of a campaign run: `${campaignId}-${run}` restricted to the characters CloudWatch
 * logging accepts (A-Z a-z 0-9 - _) and to 80 characters. When anything had to be replaced or cut,
 * a hash of the original name is appended so two different runs never share a name.
 */
export function executionName(campaignId: string, run: number): string {
  const raw = `${campaignId}-${run}`;
  const clean = raw.replace(/[^A-Za-z0-9_-]/g, '_');
  if (clean === raw && clean.length <= MAX_NAME) return clean;
  const hash = createHash('sha256').update(raw).digest('hex').slice(0, 12);
  return `${clean.slice(0, MAX_NAME - hash.length - 1)}-${hash}`;
}

/** The Workflows port on Step Functions: one named execution per campaign run. */
export class SfnWorkflows implements Workflows {
  private readonly stateMachineArn: string;
  private readonly client: SFNClient;

  constructor(options: SfnWorkflowsOptions) {
    this.stateMachineArn = options.stateMachineArn;
    this.client = options.client ?? defaultClient();
  }

  async startCampaignLoop(input: StartCampaignLoopInput): Promise<void> {
    try {
      await this.client.send(
        new StartExecutionCommand({
          stateMachineArn: this.stateMachineArn,
          name: executionName(input.campaignId, input.run),
          input: JSON.stringify({ instanceId: input.instanceId, campaignId: input.campaignId, run: input.run }),
        }),
      );
    } catch (error) {
      // The name is taken by this run's execution (open with another input, or already closed): the loop was started.
      if (errorName(error) === 'ExecutionAlreadyExists') return;
      throw new AdapterError('StepFunctions', 'StartExecution', describeError(error), error);
    }
  }
}
