import { afterEach, describe, expect, it } from 'vitest';
import { createApiHandler } from '../../../functions/api/handler';
import { apiRoutes } from '../../../functions/api/routes';
import { buildEvent } from '../../../lib/events/build';
import { EXAMPLE_INPUTS } from '../../../lib/events/examples';
import { EVENT_TYPES, type EventInput, type EventType } from '../../../lib/events/schemas';
import { assertValidEvent } from '../../../lib/events/validate';
import { createApiKey, createInstance } from '../../../lib/instances/repository';
import { ManualClock } from '../../../lib/ports/clock';
import type { BusEvent } from '../../../lib/ports/bus';
import { LocalBus } from '../../../local/bus';
import { wireWebhookDelivery, type LocalWebhooks } from '../../../local/webhooks';
import { apiEvent, invoke } from '../../support/http';
import { testDeps } from '../../support/deps';
import { FlakyBus, publishUntilAccepted, startReceiver, type Receiver } from './receiver';

/** Event `i` of a type: the example with its identifying part changed, for the given instance. */
function variant(type: EventType, i: number, instanceId: string, time: number): BusEvent {
  const input = { ...structuredClone(EXAMPLE_INPUTS[type].input), instanceId } as Record<string, unknown>;
  if ('callId' in input) {
    input.callId = `K-${i}`;
    if (Array.isArray(input.tasks)) input.tasks = (input.tasks as Record<string, unknown>[]).map((t) => ({ ...t, id: `K-${i}`, callId: `K-${i}` }));
    if (input.call) input.call = { ...(input.call as object), callId: `K-${i}`, instanceId };
    if (Array.isArray(input.turns)) input.turns = (input.turns as Record<string, unknown>[]).map((t) => ({ ...t, callId: `K-${i}` }));
    if (input.recording) input.recording = { ...(input.recording as object), taskId: `K-${i}`, callId: `K-${i}` };
  }
  if (type === 'JobComplete') input.jobId = `J-${i}`;
  if (type === 'CampaignStateChanged') input.version = 10 + i;
  if (type === 'CampaignComplete') input.run = 1 + i;
  if (type === 'ExportReady') input.exportId = `X-${i}`;
  return buildEvent(type, input as EventInput<typeof type>, { source: 'reachout', time: time + i * 1000 });
}

/** Settles the pipeline on the manual clock: waits for the bus and the queue, advancing time while retries wait. */
async function settle(clock: ManualClock, bus: LocalBus, webhooks: LocalWebhooks, stepMs = 1_000): Promise<void> {
  for (let step = 0; step < 5_000; step++) {
    await bus.idle();
    await webhooks.idle();
    const s = webhooks.queue.stats();
    if (s.visible + s.inFlight + s.delayed === 0) return;
    clock.advance(stepMs);
  }
  throw new Error('the webhook queue never drained');
}

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

async function platform(options: { failFirst: number; flaky: boolean }) {
  const clock = new ManualClock();
  const localBus = new LocalBus({ name: 'reachout', clock });
  const bus = options.flaky
    ? new FlakyBus(localBus, (e, attempt) => {
        const n = Number.parseInt(e.id.slice(0, 2), 16) % 3;
        if (attempt > 1) return 'ok';
        return n === 0 ? 'lost' : n === 1 ? 'acceptedButReportedFailed' : 'ok';
      }, new Set([2]))
    : localBus;
  const { deps } = testDeps({ clock, bus });
  const webhooks = wireWebhookDelivery({ store: deps.store, clock, log: deps.log, bus: localBus, eventSource: 'reachout', random: () => 0.5 });
  (deps.queues as typeof deps.queues & { webhooks: unknown }).webhooks = webhooks.queue;
  cleanup.push(() => webhooks.stop());
  const receiver: Receiver = await startReceiver({ nowSeconds: () => Math.floor(clock.now() / 1000), failFirst: options.failFirst });
  cleanup.push(() => receiver.close());

  const instance = await createInstance(deps.store, { name: 'Webhook test' }, clock.now());
  const { apiKey } = await createApiKey(deps.store, instance.instanceId, clock.now());
  const api = createApiHandler(deps, apiRoutes());
  const call = (method: string, path: string, body?: unknown) => invoke(api as never, apiEvent(method, path, { body, headers: { 'x-api-key': apiKey } }));
  const created = await call('POST', '/webhooks', { url: receiver.url, description: 'test receiver' });
  expect(created.status).toBe(201);
  receiver.setSecret(created.body.secret as string);
  const events = EVENT_TYPES.flatMap((type) => [0, 1].map((i) => variant(type, i, instance.instanceId, clock.now())));
  return { clock, localBus, bus, webhooks, receiver, events, call, webhookId: created.body.webhook.webhookId as string };
}

describe('webhook pipeline (local bus → delivery queue → delivery function → HTTP receiver)', () => {
  it('delivers every event type once per eventId with a valid signature', async () => {
    const p = await platform({ failFirst: 0, flaky: false });
    await publishUntilAccepted(p.bus, p.events);
    await settle(p.clock, p.localBus, p.webhooks);
    const accepted = p.receiver.accepted();
    expect([...accepted.keys()].sort()).toEqual(p.events.map((e) => e.id).sort());
    for (const [, got] of accepted) expect(got).toHaveLength(1);
    expect(new Set(p.receiver.deliveries.map((d) => d.type))).toEqual(new Set(EVENT_TYPES));
    for (const d of p.receiver.deliveries) {
      expect(d.signature).toEqual({ ok: true });
      expect(d.webhookId).toBe(d.eventId);
      assertValidEvent({ id: d.eventId, source: 'reachout', detailType: d.type, detail: d.data, time: new Date(d.data.eventTime as number).toISOString() });
    }
  });

  it('still delivers each event exactly once when the receiver fails the first deliveries and the bus fails intermittently', async () => {
    const failFirst = 2;
    const p = await platform({ failFirst, flaky: true });
    const rounds = await publishUntilAccepted(p.bus, p.events);
    expect(rounds).toBeGreaterThan(1);
    // Some events reached the bus twice (published, but the answer was lost).
    const onBus = p.localBus.recent(1000).map((h) => h.event.detail.eventId);
    expect(onBus.length).toBeGreaterThan(p.events.length);
    await settle(p.clock, p.localBus, p.webhooks);

    const accepted = p.receiver.accepted();
    expect([...accepted.keys()].sort()).toEqual(p.events.map((e) => e.id).sort());
    for (const [, got] of accepted) expect(got).toHaveLength(1);
    const perEvent = new Map<string, number>();
    for (const d of p.receiver.deliveries) perEvent.set(d.eventId, (perEvent.get(d.eventId) ?? 0) + 1);
    for (const [, n] of perEvent) expect(n).toBe(failFirst + 1);
    expect(p.receiver.deliveries.every((d) => d.signature.ok)).toBe(true);
    expect(new Set([...accepted.values()].map((d) => d[0]!.type))).toEqual(new Set(EVENT_TYPES));

    const log = await p.call('GET', `/webhooks/${p.webhookId}/deliveries?limit=200`);
    expect(log.status).toBe(200);
    expect(log.body.items).toHaveLength(p.events.length);
    for (const d of log.body.items) expect(d).toMatchObject({ status: 'delivered', attempts: failFirst + 1, lastStatusCode: 204 });
  });

  it('dead-letters what a receiver refuses for 24 hours and redelivers it through the API', async () => {
    const p = await platform({ failFirst: 1_000, flaky: false });
    const events = p.events.slice(0, 2);
    await publishUntilAccepted(p.bus, events);
    await settle(p.clock, p.localBus, p.webhooks, 60_000);
    expect(p.receiver.accepted().size).toBe(0);
    const dead = await p.call('GET', `/webhooks/${p.webhookId}/dead-letters`);
    expect(dead.body.items.map((d: { eventId: string }) => d.eventId).sort()).toEqual(events.map((e) => e.id).sort());

    const attemptsBefore = p.receiver.deliveries.length;
    const redeliver = await p.call('POST', `/webhooks/${p.webhookId}/redeliver`, { eventIds: [events[0]!.id] });
    expect(redeliver.body).toEqual({ redelivered: [events[0]!.id], remaining: false });
    await settle(p.clock, p.localBus, p.webhooks, 60_000);
    expect(p.receiver.deliveries.slice(attemptsBefore).every((d) => d.eventId === events[0]!.id)).toBe(true);
    expect(p.receiver.deliveries.length).toBeGreaterThan(attemptsBefore);
  });
});
