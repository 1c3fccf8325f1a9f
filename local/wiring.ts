import type { Deps } from '../lib/core/deps';
import type { Telephony } from '../lib/ports/telephony';
import type { Workflows } from '../lib/ports/workflows';
import { createSmaHandler } from '../functions/sma';
import type { LocalBus } from './bus';
import type { LocalQueue } from './queue';
import { loadPeople } from './telephony/people';
import { SimulatedTelephony } from './telephony/simulator';
import { readFileSync } from 'node:fs';
import { parsePeople } from './telephony/people';

/** What runs in the background of the local platform. */
export interface Background {
  telephony: Telephony;
  workflows: Workflows;
  /** Resolves when nothing is in flight (queues, bus, calls). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

/** Options of the background wiring. */
export interface BackgroundOptions {
  queues: { dial: LocalQueue; tick: LocalQueue; work: LocalQueue };
  bus: LocalBus;
  peopleFile?: string;
  dataDir: string;
}

/**
 * Wires the handlers the way the CDK app does: the telephony simulator drives the real SMA
 * handler; queues feed the dialer, scheduler and worker through event-source-mapping stand-ins.
 */
export async function wireBackground(deps: Deps, options: BackgroundOptions): Promise<Background> {
  const people = options.peopleFile ? parsePeople(readFileSync(options.peopleFile, 'utf8')) : loadPeople();
  const sma = createSmaHandler(deps, { recordingsBucket: 'recordings' });
  const telephony = new SimulatedTelephony({ clock: deps.clock, handler: sma, people, recordings: deps.blobs.recordings, log: deps.log });
  const workflows: Workflows = {
    async startCampaignLoop() {
      /* replaced when the dispatch loop is wired */
    },
  };
  return {
    telephony,
    workflows,
    idle: async () => {
      await telephony.idle();
      await options.bus.idle();
    },
    close: async () => {
      await telephony.idle();
    },
  };
}
