import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it, expect } from 'vitest';
import { ManualClock } from '../../lib/ports/clock';
import type { BusEvent } from '../../lib/ports/bus';
import { LocalBus, type BusEnvelope } from '../../local/bus';
import { EventPatternError } from '../../local/event-pattern';
import { LocalQueue } from '../../local/queue';

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

const callEnded = (id: string, outcome: string): BusEvent => ({
  id,
  source: 'reachout',
  detailType: 'CallEnded',
  detail: { campaignId: 'c1', outcome },
  time: '2026-01-05T09:00:00.123Z',
  resources: ['campaign/c1'],
});

describe('LocalBus', () => {
  it('delivers the EventBridge envelope of a matching event to a queue target', async () => {
    const clock = new ManualClock();
    const bus = new LocalBus({ name: 'reachout', clock });
    const queue = new LocalQueue({ name: 'tick', clock });
    bus.addRule({ name: 'call-ended', pattern: { source: ['reachout'], 'detail-type': ['CallEnded'] }, targets: [{ kind: 'queue', queue }] });

    const result = await bus.publish([callEnded('e1', 'answered'), { ...callEnded('e2', 'x'), detailType: 'Other' }]);
    expect(result.failed).toEqual([]);
    await bus.idle();

    const messages = queue.peek();
    expect(messages).toHaveLength(1);
    const envelope = JSON.parse(messages[0]!.body) as BusEnvelope;
    expect(envelope).toEqual({
      version: '0',
      id: expect.any(String),
      'detail-type': 'CallEnded',
      source: 'reachout',
      account: '000000000000',
      time: '2026-01-05T09:00:00Z',
      region: 'local',
      resources: ['campaign/c1'],
      detail: { campaignId: 'c1', outcome: 'answered', eventId: 'e1' },
    });
    expect(envelope.id).not.toBe('e1');
  });

  it('routes by detail content to every matching rule and keeps a bounded history', async () => {
    const clock = new ManualClock();
    const bus = new LocalBus({ name: 'reachout', clock, historyLimit: 2 });
    const answered: string[] = [];
    const all: string[] = [];
    bus.addRule({
      name: 'answered',
      pattern: { detail: { outcome: ['answered'] } },
      targets: [{ kind: 'function', handler: async (e) => void answered.push(String(e.detail.eventId)) }],
    });
    bus.addRule({
      name: 'everything',
      pattern: { source: [{ prefix: '' }] },
      targets: [{ kind: 'function', handler: async (e) => void all.push(String(e.detail.eventId)) }],
    });
    await bus.publish([callEnded('e1', 'answered'), callEnded('e2', 'busy'), callEnded('e3', 'answered')]);
    await bus.idle();
    expect(answered).toEqual(['e1', 'e3']);
    expect(all).toEqual(['e1', 'e2', 'e3']);
    expect(bus.recent().map((h) => [h.event.detail.eventId, h.rules])).toEqual([
      ['e2', ['everything']],
      ['e3', ['answered', 'everything']],
    ]);
  });

  it('gives each target its own copy of the event', async () => {
    const clock = new ManualClock();
    const bus = new LocalBus({ name: 'b', clock });
    const seen: unknown[] = [];
    const rule = { source: ['reachout'] };
    bus.addRule({
      name: 'mutator',
      pattern: rule,
      targets: [{ kind: 'function', handler: async (e) => void (e.detail.outcome = 'changed') }],
    });
    bus.addRule({ name: 'reader', pattern: rule, targets: [{ kind: 'function', handler: async (e) => void seen.push(e.detail.outcome) }] });
    await bus.publish([callEnded('e1', 'answered')]);
    await bus.idle();
    expect(seen).toEqual(['answered']);
  });

  it('retries a failing function target with backoff on the clock, then sends the event to its dead-letter queue', async () => {
    const clock = new ManualClock();
    const bus = new LocalBus({ name: 'reachout', clock, retryBaseDelayMs: 1000 });
    const dlq = new LocalQueue({ name: 'dlq', clock });
    const attemptsAt: number[] = [];
    bus.addRule({
      name: 'flaky',
      pattern: { source: ['reachout'] },
      targets: [
        {
          kind: 'function',
          name: 'projector',
          retryAttempts: 2,
          deadLetter: dlq,
          handler: async () => {
            attemptsAt.push(clock.now());
            throw new Error('projection store down');
          },
        },
      ],
    });
    const start = clock.now();
    const result = await bus.publish([callEnded('e1', 'answered')]);
    expect(result.failed).toEqual([]);
    await flush();
    expect(attemptsAt).toEqual([start]);
    clock.advance(1000);
    await flush();
    clock.advance(2000);
    await bus.idle();
    expect(attemptsAt.map((t) => t - start)).toEqual([0, 1000, 3000]);

    const [dead] = dlq.peek();
    expect(JSON.parse(dead!.body).detail.eventId).toBe('e1');
    expect(dead!.attributes).toMatchObject({
      RULE_ARN: 'arn:aws:events:local:000000000000:rule/reachout/flaky',
      TARGET_ARN: 'arn:aws:lambda:local:000000000000:function:projector',
      ERROR_MESSAGE: 'projection store down',
      RETRY_ATTEMPTS: '2',
    });
    expect(bus.recent(1)[0]!.failures).toHaveLength(1);
  });

  it('succeeds on a retry without dead-lettering', async () => {
    const clock = new ManualClock();
    const bus = new LocalBus({ name: 'b', clock, retryBaseDelayMs: 10 });
    const dlq = new LocalQueue({ name: 'dlq', clock });
    let calls = 0;
    bus.addRule({
      name: 'r',
      pattern: { source: ['reachout'] },
      targets: [
        {
          kind: 'function',
          deadLetter: dlq,
          handler: async () => {
            if (++calls === 1) throw new Error('once');
          },
        },
      ],
    });
    await bus.publish([callEnded('e1', 'a')]);
    await flush();
    clock.advance(10);
    await bus.idle();
    expect(calls).toBe(2);
    expect(dlq.peek()).toEqual([]);
  });

  it('reports invalid entries as failed without stopping the valid ones', async () => {
    const clock = new ManualClock();
    const bus = new LocalBus({ name: 'b', clock });
    const queue = new LocalQueue({ name: 'q', clock });
    bus.addRule({ name: 'all', pattern: { source: ['reachout'] }, targets: [{ kind: 'queue', queue }] });
    const bad = { ...callEnded('e2', 'x'), detailType: '' };
    const huge = { ...callEnded('e3', 'x'), detail: { blob: 'x'.repeat(300 * 1024) } };
    const result = await bus.publish([callEnded('e1', 'a'), bad, huge]);
    expect(result.failed.map((f) => f.event.id)).toEqual(['e2', 'e3']);
    expect(result.failed[1]!.reason).toMatch(/EntryTooLarge/);
    await bus.idle();
    expect(queue.peek()).toHaveLength(1);
  });

  it('rejects a rule with a malformed pattern', () => {
    const bus = new LocalBus({ name: 'b', clock: new ManualClock() });
    expect(() => bus.addRule({ name: 'bad', pattern: { source: 'reachout' }, targets: [] })).toThrow(EventPatternError);
  });

  it('posts to an HTTP target, retrying server errors, and writes log targets', async () => {
    const clock = new ManualClock();
    const bodies: string[] = [];
    let status = 503;
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        bodies.push(`${req.headers['x-key']}:${body}`);
        res.statusCode = status;
        status = 200;
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
      const lines: string[] = [];
      const bus = new LocalBus({ name: 'b', clock, retryBaseDelayMs: 5 });
      bus.addRule({
        name: 'hook',
        pattern: { source: ['reachout'] },
        targets: [
          { kind: 'http', url, headers: { 'x-key': 'k' } },
          { kind: 'log', write: (l) => lines.push(l) },
        ],
      });
      await bus.publish([callEnded('e1', 'a')]);
      // The retry sleeps on the manual clock once the 503 has come back; keep nudging time until it is sent.
      while (bodies.length < 2) {
        clock.advance(5);
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      await bus.idle();
      expect(bodies).toHaveLength(2);
      expect(bodies[1]!.startsWith('k:')).toBe(true);
      expect(JSON.parse(bodies[1]!.slice(2)).detail.eventId).toBe('e1');
      expect(JSON.parse(lines[0]!)).toMatchObject({ rule: 'hook', event: { detail: { eventId: 'e1' } } });
    } finally {
      server.close();
    }
  });
});
