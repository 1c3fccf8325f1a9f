import { dispatch } from '../../lib/campaigns/dispatch';
import { startCampaign } from '../../lib/campaigns/lifecycle';
import { createCampaign } from '../../lib/campaigns/repository';
import { CampaignSettings } from '../../lib/campaigns/schema';
import { beginImport, fromArray, runImport } from '../../lib/contacts/import';
import type { DialRequest } from '../../lib/domain/dialing';
import { createInstance } from '../../lib/instances/repository';
import { keys } from '../../lib/store/keys';
import { testDeps } from './deps';

/** One contact planned (one line, callee-local time off unless asked) and its dial request queued, as the dispatcher leaves it. */
export async function queuedDial(options: { calleeLocalTime?: boolean } = {}) {
  const t = testDeps();
  // Rate slots to spare: a dialer waiting for one would sleep on the manual clock.
  t.deps.config.callsPerSecond = 100;
  const now = t.clock.now();
  const { instanceId } = await createInstance(
    t.deps.store,
    { name: 'i', settings: { maxConcurrency: 1, windows: { ranges: [{ start: '00:00', end: '23:59' }], weekdaysOnly: false, calleeLocalTime: options.calleeLocalTime ?? false }, callerNumbers: [{ phoneNumber: '+14155550900', periodSeconds: 60 }] } },
    now,
  );
  const { campaignId } = await createCampaign(t.deps.store, instanceId, CampaignSettings.parse({ name: 'c', scenarioId: 's', scenarioVersion: 1 }), now);
  const report = await beginImport(t.deps, instanceId, campaignId, 'api');
  await runImport(t.deps, report, { kind: 'contacts', contacts: fromArray([{ row: 1, contact: { phone: '+14155550101' } }]) }, { instanceId, defaultRegion: 'US', requiredVariables: [] });
  await startCampaign(t.deps, instanceId, campaignId, { principal: 't' });
  await dispatch(t.deps, instanceId, { campaignId });
  const [request] = t.queues.dial.bodies<DialRequest>();
  return { ...t, instanceId, campaignId, request: request!, jobKey: keys.job(instanceId, campaignId, request!.jobId) };
}
