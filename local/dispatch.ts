import { createDialerHandler } from '../functions/dialer';
import { createDispatchHandler, createTickHandler } from '../functions/scheduler';
import { createWorkerHandler, type WorkHandler } from '../functions/worker';
import type { Services } from '../lib/core/deps';
import type { StartCampaignLoopInput, Workflows } from '../lib/ports/workflows';
import type { LocalConsumer, LocalQueue } from './queue';
import { noInstrument, type Instrument } from './instrument';

/**
 * The local stand-in of the Step Functions dispatch loop: the same dispatch task, with the state
 * machine's Wait states slept on the platform clock (a fast clock makes a day pass in minutes).
 * Executions are named by (campaignId, run) like the deployed ones, so a repeated start is a no-op.
 */
export class LocalWorkflows implements Workflows {
  private readonly loops = new Map<string, Promise<void>>();
  private closed = false;
  private readonly dispatchTask: ReturnType<typeof createDispatchHandler>;

  constructor(
    private readonly deps: Services,
    instrument: Instrument = noInstrument,
  ) {
    this.dispatchTask = instrument('dispatch', createDispatchHandler(deps));
  }

  async startCampaignLoop(input: StartCampaignLoopInput): Promise<void> {
    const name = `${input.campaignId}-${input.run}`;
    if (this.loops.has(name) || this.closed) return;
    const loop = this.run(input).catch((error) => this.deps.log.error('local dispatch loop failed', { campaignId: input.campaignId, error: String(error) }));
    this.loops.set(name, loop);
    void loop.finally(() => this.loops.delete(name));
  }

  private async run(input: StartCampaignLoopInput): Promise<void> {
    while (!this.closed) {
      let waitSeconds = 5;
      try {
        const out = await this.dispatchTask({ instanceId: input.instanceId, campaignId: input.campaignId, run: input.run });
        if (out.done) return;
        waitSeconds = out.waitSeconds;
      } catch (error) {
        // Step Functions would retry the task; so does the loop, after a pause.
        this.deps.log.warn('dispatch task failed; retrying', { campaignId: input.campaignId, error: String(error) });
      }
      if (this.closed) return;
      await this.deps.clock.sleep(waitSeconds * 1000);
    }
  }

  /** Loops still running. */
  running(): number {
    return this.loops.size;
  }

  /** Stops every loop at its next step and waits for them. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.loops.values()]);
  }
}

/** The campaign consumers of the local queues, as the CDK app's event source mappings: dialer, tick, worker. */
export function consumeCampaignQueues(
  deps: Services,
  queues: { dial: LocalQueue; tick: LocalQueue; work: LocalQueue },
  options: { workHandlers?: Record<string, WorkHandler>; signal?: AbortSignal; instrument?: Instrument } = {},
): LocalConsumer[] {
  const instrument = options.instrument ?? noInstrument;
  return [
    queues.dial.consume(instrument('dialer', createDialerHandler(deps)), { batchSize: 1, concurrency: 2, functionName: 'dialer', signal: options.signal, timeoutSeconds: 60 }),
    queues.tick.consume(instrument('tick', createTickHandler(deps)), { batchSize: 10, concurrency: 1, functionName: 'scheduler-tick', signal: options.signal, timeoutSeconds: 60 }),
    queues.work.consume(instrument('worker', createWorkerHandler(deps, options.workHandlers)), { batchSize: 1, concurrency: 2, functionName: 'worker', signal: options.signal, timeoutSeconds: 900 }),
  ];
}
