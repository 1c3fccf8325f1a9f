import { readFileSync } from 'node:fs';
import { createSmaHandler } from '../functions/sma';
import { createSweepHandler } from '../functions/sweep';
import type { Services } from '../lib/core/deps';
import { attachRecording } from '../lib/telephony/recordings';
import type { FileBlobs } from './blobs';
import type { Telephony } from '../lib/ports/telephony';
import type { Workflows } from '../lib/ports/workflows';
import { isoAt } from '../lib/ports/clock';
import { UPLOAD_PREFIX, uploadCreatedEvent } from '../lib/contacts/work';
import type { LocalBus } from './bus';
import { consumeCampaignQueues, LocalWorkflows } from './dispatch';
import { noInstrument, type Instrument } from './instrument';
import type { LocalQueue } from './queue';
import { loadPeople, parsePeople, type PeopleBook } from './telephony/people';
import { SimulatedTelephony } from './telephony/simulator';

/** What runs in the background of the local platform. */
export interface Background {
  telephony: SimulatedTelephony;
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
  /** Scripted people given directly (overrides `peopleFile`). */
  people?: PeopleBook;
  dataDir: string;
  /** The recordings store: its object-created notifications attach recordings to calls (S3 events when deployed). */
  recordings?: Pick<FileBlobs, 'onObjectCreated'>;
  /** The data store: uploads under `uploads/` raise an S3 object-created event on the work queue, as the deployed EventBridge rule does. */
  data?: FileBlobs;
  /** Wraps every handler invocation (the campaign simulation meters and breaks them); identity by default. */
  instrument?: Instrument;
}


/** The deployed sweep runs every minute (EventBridge Scheduler); so does the local one, on the platform clock. */
const SWEEP_EVERY_MS = 60_000;

/**
 * Wires the handlers the way the CDK app does: the telephony simulator drives the real SMA
 * handler; the dispatch loop stands in for Step Functions; queues feed the dialer, scheduler and
 * worker through event-source-mapping stand-ins; the sweep runs on the clock.
 */
export async function wireBackground(deps: Services, options: BackgroundOptions): Promise<Background> {
  const people = options.people ?? (options.peopleFile ? parsePeople(readFileSync(options.peopleFile, 'utf8')) : loadPeople());
  const instrument = options.instrument ?? noInstrument;
  const sma = instrument('sma', createSmaHandler(deps, { recordingsBucket: 'recordings' }));
  const telephony = new SimulatedTelephony({ clock: deps.clock, handler: sma, people, recordings: deps.blobs.recordings, log: deps.log });
  const workflows = new LocalWorkflows(deps, instrument);
  const stop = new AbortController();
  const consumers = consumeCampaignQueues(deps, options.queues, { signal: stop.signal, instrument });

  const sweep = instrument('sweep', createSweepHandler(deps));
  const attach = instrument('recordings', (key: string) => attachRecording(deps, key));
  // Recordings land after hang-up; their notifications attach them, as the S3 event → Lambda path does deployed.
  const attaching = new Set<Promise<unknown>>();
  options.recordings?.onObjectCreated((key) => {
    const p = attach(key)
      .catch((error: unknown) => deps.log.warn('recording not attached', { key, error }))
      .finally(() => attaching.delete(p));
    attaching.add(p);
  });
  // Presigned contact uploads: the same envelope EventBridge delivers deployed, on the same queue.
  options.data?.onObjectCreated((key) => {
    if (!key.startsWith(UPLOAD_PREFIX)) return;
    const p = (async () => {
      const size = (await options.data!.head(key))?.size ?? 0;
      await options.queues.work.send({ body: JSON.stringify(uploadCreatedEvent(options.data!.prefix ?? 'data', key, size, isoAt(deps.clock.now()))) });
    })()
      .catch((error: unknown) => deps.log.warn('upload notification lost', { key, error }))
      .finally(() => attaching.delete(p));
    attaching.add(p);
  });
  // The loop ends at its next wake-up after close; close waits only for a sweep in progress (its writes
  // must land before the store closes), never for the sleep.
  let sweeping: Promise<unknown> | undefined;
  void (async () => {
    while (!stop.signal.aborted) {
      await deps.clock.sleep(SWEEP_EVERY_MS);
      if (stop.signal.aborted) return;
      sweeping = sweep().catch((error: unknown) => deps.log.warn('sweep failed', { error: String(error) }));
      await sweeping;
      sweeping = undefined;
    }
  })();

  const { dial, tick, work } = options.queues;
  return {
    telephony,
    workflows,
    idle: async () => {
      // Each step can create work for another (a call ends → tick → dial → call), so settle until all are quiet.
      for (let round = 0; round < 50; round++) {
        await Promise.all([telephony.idle(), options.bus.idle(), dial.idle(), tick.idle(), work.idle(), ...attaching]);
        const busy = telephony.active > 0 || attaching.size > 0 || [dial, tick, work].some((q) => {
          const s = q.stats();
          return s.visible + s.inFlight > 0;
        });
        if (!busy) return;
      }
    },
    close: async () => {
      stop.abort();
      await workflows.close();
      await Promise.all(consumers.map((c) => c.stop()));
      await sweeping;
      await telephony.idle();
    },
  };
}
