import { describe, expect, it } from 'vitest';
import { LibphonenumberGeo } from '../../../lib/adapters/geo/libphonenumber-geo';
import { MemoryStore } from '../../../lib/adapters/memory/store';
import { dispatch } from '../../../lib/campaigns/dispatch';
import { startCampaign, stopCampaign } from '../../../lib/campaigns/lifecycle';
import { addCounters, createCampaign, findCampaign, newJobItem } from '../../../lib/campaigns/repository';
import { CampaignSettings } from '../../../lib/campaigns/schema';
import { checkCompletion } from '../../../lib/campaigns/transitions';
import type { Services as Deps } from '../../../lib/core/deps';
import type { DialRequest } from '../../../lib/domain/dialing';
import { createInstance } from '../../../lib/instances/repository';
import type { CallerNumber } from '../../../lib/instances/schema';
import type { Store } from '../../../lib/ports/store';
import { testDeps } from '../../support/deps';

/** A store that counts its reads: calls, and items returned. */
function countingStore(inner: Store) {
  const reads = { calls: 0, items: 0 };
  const store = new Proxy(inner, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      if (prop === 'get') {
        return async (...args: Parameters<Store['get']>) => {
          reads.calls++;
          const item = await target.get(...args);
          if (item) reads.items++;
          return item;
        };
      }
      if (prop === 'batchGet' || prop === 'query') {
        return async (arg: never) => {
          reads.calls++;
          const out = (await (target[prop] as (a: never) => Promise<unknown>)(arg)) as { items?: unknown[] } | unknown[];
          reads.items += Array.isArray(out) ? out.length : (out.items?.length ?? 0);
          return out;
        };
      }
      return (value as (...a: unknown[]) => unknown).bind(target);
    },
  });
  return { store, reads };
}

const actor = { principal: 'test' };

async function instanceWith(deps: Deps, callerNumbers: Partial<CallerNumber>[], now: number) {
  return createInstance(
    deps.store,
    {
      name: 'test',
      settings: {
        maxConcurrency: 5,
        windows: { ranges: [{ start: '00:00', end: '23:59' }], weekdaysOnly: false, calleeLocalTime: false },
        callerNumbers: callerNumbers.map((n) => ({ periodSeconds: 60, ...n }) as CallerNumber),
      },
    },
    now,
  );
}

/** A started campaign holding the given callees as waiting jobs. */
async function runningCampaign(deps: Deps, instanceId: string, phones: string[], now: number, extra: Partial<CampaignSettings> = {}) {
  const campaign = await createCampaign(deps.store, instanceId, CampaignSettings.parse({ name: 'c', scenarioId: 's', scenarioVersion: 1, ...extra }), now);
  for (const [i, phone] of phones.entries()) {
    // Ids independent of the campaign's: shards (due queue, counters) are then the same in every run.
    const jobId = `job${i}`;
    await deps.store.put(newJobItem(instanceId, campaign.campaignId, jobId, { phone, variables: {} }, now, now));
    await addCounters(deps.store, instanceId, campaign.campaignId, jobId, { total: 1 });
  }
  return startCampaign(deps, instanceId, campaign.campaignId, actor);
}

describe('dispatch', () => {
  it('reads the same whatever the number of finished campaigns (P3: the round follows live campaigns only)', async () => {
    /** Store reads of one round of a running campaign, in an instance with `finished` campaigns behind it. */
    async function roundReads(finished: number) {
      const counted = countingStore(new MemoryStore());
      const { deps, clock } = testDeps({ store: counted.store });
      deps.config.callsPerSecond = 10;
      const now = clock.now();
      const instance = await instanceWith(deps, [{ phoneNumber: '+14155550900' }], now);
      for (let i = 0; i < finished; i++) {
        const c = await runningCampaign(deps, instance.instanceId, ['+14155550101'], now);
        await stopCampaign(deps, instance.instanceId, c.campaignId, actor);
        await checkCompletion(deps, instance.instanceId, c.campaignId);
        expect((await findCampaign(deps.store, instance.instanceId, c.campaignId))?.finishedAt).toBeDefined();
      }
      const live = await runningCampaign(deps, instance.instanceId, ['+14155550102', '+14155550103'], now);
      counted.reads.calls = 0;
      counted.reads.items = 0;
      const round = await dispatch(deps, instance.instanceId, { campaignId: live.campaignId, run: live.run });
      expect(round.dialled).toBe(2);
      return { ...counted.reads };
    }
    const none = await roundReads(0);
    const many = await roundReads(25);
    expect(many).toEqual(none);
  });

  it('dials a Chinese mobile callee from the caller number of its city when the deployment geocodes (P8)', async () => {
    const callers = [{ phoneNumber: '+861065529988' }, { phoneNumber: '+8675582345678' }]; // Beijing (the default), Shenzhen
    const shenzhenMobile = '+8613510001234';
    async function fromOf(geo: boolean) {
      const { deps, clock, queues } = testDeps(geo ? { geo: new LibphonenumberGeo() } : {});
      deps.config.callsPerSecond = 10;
      const instance = await instanceWith(deps, callers, clock.now());
      const c = await runningCampaign(deps, instance.instanceId, [shenzhenMobile], clock.now());
      await dispatch(deps, instance.instanceId, { campaignId: c.campaignId, run: c.run });
      return queues.dial.bodies<DialRequest>().find((b) => b.type === 'dial')?.from;
    }
    expect(await fromOf(true)).toBe('+8675582345678');
    expect(await fromOf(false)).toBe('+861065529988');
  });

  it('dials from the default number when geocoding fails', async () => {
    const { deps, clock, queues } = testDeps({
      geo: {
        locate: async () => {
          throw new Error('data unreadable');
        },
      },
    });
    deps.config.callsPerSecond = 10;
    const instance = await instanceWith(deps, [{ phoneNumber: '+861065529988' }, { phoneNumber: '+8675582345678' }], clock.now());
    const c = await runningCampaign(deps, instance.instanceId, ['+8613510001234'], clock.now());
    const round = await dispatch(deps, instance.instanceId, { campaignId: c.campaignId, run: c.run });
    expect(round.dialled).toBe(1);
    expect(queues.dial.bodies<DialRequest>().find((b) => b.type === 'dial')?.from).toBe('+861065529988');
  });
});
