import { describe, expect, it } from 'vitest';
import { createSmaHandler } from '../../../functions/sma';
import { createCampaign, getJob, newJobItem } from '../../../lib/campaigns/repository';
import { silentLogger } from '../../../lib/core/log';
import type { Clock } from '../../../lib/ports/clock';
import { createInstance } from '../../../lib/instances/repository';
import { getTemplate } from '../../../lib/scenarios/templates';
import { keys } from '../../../lib/store/keys';
import { getCallRecord, listTurns } from '../../../lib/telephony/call-records';
import { realSmaServices } from '../../../lib/telephony/wiring';
import { loadPeople } from '../../../local/telephony/people';
import { SimulatedTelephony } from '../../../local/telephony/simulator';
import { testDeps } from '../../support/deps';

class InstantClock implements Clock {
  constructor(private t = Date.UTC(2026, 0, 5, 9, 0, 0)) {}
  now() {
    return this.t;
  }
  async sleep(ms: number) {
    this.t += Math.max(0, ms);
  }
}

async function rig(templateId: string, language: 'en' | 'zh') {
  const clock = new InstantClock();
  const t = testDeps({ clock });
  await createInstance(t.deps.store, { name: 'i', instanceId: 'inst1' }, clock.now());
  const definition = getTemplate(templateId)!.definition(language);
  await t.deps.store.put({
    ...keys.scenarioVersion('inst1', 'scn1', 1),
    scenarioId: 'scn1',
    version: 1,
    definition,
    publishedAt: '2026-01-01T00:00:00.000Z',
  });
  const campaign = await createCampaign(t.deps.store, 'inst1', { name: 'c', scenarioId: 'scn1', scenarioVersion: 1 } as never, clock.now(), { campaignId: 'cmp1' });
  await t.deps.store.put({ ...keys.campaign('inst1', 'cmp1'), type: 'campaign', ...campaign, state: 'running' });
  const sma = createSmaHandler(t.deps, { services: realSmaServices() });
  const sim = new SimulatedTelephony({ clock, handler: sma, people: loadPeople(), recordings: t.deps.blobs.recordings, log: process.env.DEBUG_SIM ? (await import('../../../lib/core/log')).createLogger({}, 'debug') : silentLogger });
  const call = async (jobId: string, phone: string) => {
    const item = newJobItem('inst1', 'cmp1', jobId, { phone, name: 'Sam Lee', honorific: 'Mr.', referenceId: `ref-${jobId}`, variables: { amount: '42', dueDate: 'Friday', product: 'plan', date: 'Friday' } }, clock.now(), clock.now());
    await t.deps.store.put({ ...item, attempts: 1, dialState: 'inCall', status: 'Executing' });
    await sim.placeCall({
      fromPhoneNumber: '+12065559999',
      toPhoneNumber: phone,
      arguments: { instanceId: 'inst1', campaignId: 'cmp1', jobId, attempt: '1', callId: `call-${jobId}`, leaseSlot: '0' },
    });
    await sim.idle();
    return {
      cdr: await getCallRecord(t.deps.store, 'inst1', `call-${jobId}`),
      job: await getJob(t.deps.store, 'inst1', 'cmp1', jobId),
      turns: await listTurns(t.deps.store, 'inst1', `call-${jobId}`),
    };
  };
  return { ...t, call, sim };
}

describe('realSmaServices', () => {
  it('runs a published template through the real engine and finishes the job', async () => {
    const r = await rig('satisfaction', 'en');
    const { cdr, job, turns } = await r.call('j1', '+12065500001');
    expect(cdr).toMatchObject({ status: 'Succeeded', answered: true, scenarioId: 'scn1', scenarioVersion: 1, referenceId: 'ref-j1' });
    expect(cdr!.turns).toBeGreaterThan(0);
    expect(turns.length).toBe(cdr!.turns);
    expect(turns.some((t) => t.prompt)).toBe(true);
    expect(job?.status).not.toBe('Executing');
    expect(job?.lastCallStatus).toBe('Succeeded');
    expect(r.events.map((e) => e.detailType)).toEqual(expect.arrayContaining(['Dialing', 'Ringing', 'CallAnswered', 'CallFinished']));
  });

  it('speaks Chinese with the Chinese voice and Lex locale', async () => {
    const r = await rig('notification', 'zh');
    const { cdr } = await r.call('j2', '+8613900001234');
    expect(cdr?.status).toBe('Succeeded');
  });

  it('schedules a retry for a busy number', async () => {
    const r = await rig('notification', 'en');
    const { cdr, job } = await r.call('j3', '+12065530001');
    expect(cdr).toMatchObject({ status: 'Busy', sipCode: 486 });
    expect(job?.lastCallStatus).toBe('Busy');
  });
});
