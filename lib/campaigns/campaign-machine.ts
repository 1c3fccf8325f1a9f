import * as z from 'zod';
import { stableId } from '../core/ids';
import { CampaignState } from '../domain/statuses';
import { auditItem } from '../audit';
import { buildEvent } from '../events';
import { effectId, type EffectInput } from '../outbox/effects';
import { isoAt } from '../ports/clock';
import type { Changes, Condition } from '../ports/store';
import { keys } from '../store/keys';
import { CampaignSettings, type Campaign } from './schema';

/**
 * The campaign lifecycle (SPEC C1, C2): draft → scheduled → running ⇄ paused → completed | stopped, as a
 * pure transition `(campaign, event, now) -> { changes, condition, effects, next } | rejected`. The
 * repository writes the result as one conditional update on the campaign item (version check), with the
 * effects on the item: the CampaignStateChanged event, starting a dispatch loop, cancelling the waiting
 * jobs of a stopped campaign, the audit entry.
 *
 * Contact imports in progress are attributes `imp#<importId>` of the campaign item (set and removed by
 * single conditional updates that also bump the version); a campaign completes only when none is left.
 */

/** Who asked for a change (audit, E4). */
export const Actor = z.object({ principal: z.string() });
/** Who asked for a change. */
export type Actor = z.infer<typeof Actor>;

/** What the planner last said about a live campaign that dials nothing (issue: "a campaign that dials nothing says nothing"). */
export const DiallingStatus = z.object({
  /** `dialling`, or why not: outsideWindows, noCallerNumber, linesFull, dailyCap, nothingDue, rateLimited. */
  reason: z.string(),
  /** When the planner expects to dial again (ISO 8601), when known. */
  until: z.string().optional(),
  at: z.string(),
});

/** Events of the campaign machine. */
export const CampaignEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('start'), actor: Actor, hasContacts: z.boolean() }),
  z.object({ type: z.literal('pause'), actor: Actor }),
  z.object({ type: z.literal('resume'), actor: Actor }),
  z.object({ type: z.literal('stop'), actor: Actor }),
  /** A scheduled campaign's start time came. */
  z.object({ type: z.literal('promote') }),
  /** Every job is terminal (the counters say so) and no import runs; the counters go into CampaignComplete. */
  z.object({ type: z.literal('complete'), counters: z.record(z.string(), z.number()) }),
  /**
   * New strategy (already merged and validated against the scenario). `basedOn`: the version it was merged
   * onto; refused as `STALE_UPDATE` when the campaign changed since, so that a merge computed from a stale
   * read never overwrites a concurrent PATCH (the caller merges again onto the fresh campaign).
   */
  z.object({ type: z.literal('update'), actor: Actor, settings: CampaignSettings, basedOn: z.number().int().optional() }),
]);
/** An event of the campaign machine. */
export type CampaignEvent = z.infer<typeof CampaignEvent>;
/** An event as callers build it. */
export type CampaignEventInput = z.input<typeof CampaignEvent>;

/** A committed campaign transition. */
export interface CampaignTransition {
  ok: true;
  next: Campaign;
  changes: Changes;
  condition: Condition;
  effects: EffectInput[];
}

/** A refused campaign transition (a value: the API maps it to 409). */
export interface CampaignRejected {
  ok: false;
  reason: string;
  /** The request is not allowed in this state (as opposed to "nothing to do"). */
  conflict: boolean;
}

/** Why an `update` merged onto an older version is refused (merge again onto the current campaign). */
export const STALE_UPDATE = 'the strategy was merged onto an older version of the campaign';

/** States a campaign can be changed in (C1): strategy edits need the campaign not to be running. */
export const EDITABLE_STATES: readonly CampaignState[] = ['draft', 'scheduled', 'paused'];
/** States that take contacts. */
export const ACCEPTS_CONTACTS: readonly CampaignState[] = ['draft', 'scheduled', 'running', 'paused'];

const ALLOWED: Record<'start' | 'pause' | 'resume' | 'stop', readonly CampaignState[]> = {
  start: ['draft'],
  pause: ['scheduled', 'running'],
  resume: ['paused'],
  stop: ['draft', 'scheduled', 'running', 'paused'],
};

/** Import ids running on a campaign item (`imp#<id>` attributes). */
export function runningImports(item: Record<string, unknown>): string[] {
  return Object.keys(item).filter((k) => k.startsWith('imp#')).map((k) => k.slice(4));
}

/** A campaign is live (in the live index, gsi1 `I#<inst>#LIVE`) while it may still dial or finish calls. */
export function isLive(c: Pick<Campaign, 'state' | 'finishedAt'>): boolean {
  return c.state === 'scheduled' || c.state === 'running' || c.state === 'paused' || (c.state === 'stopped' && !c.finishedAt);
}

const SETTINGS_KEYS = Object.keys(CampaignSettings.shape) as (keyof CampaignSettings)[];
const WRITABLE: (keyof Campaign)[] = [
  ...SETTINGS_KEYS,
  'state', 'run', 'updatedAt', 'startedAt', 'finishedAt', 'stoppedAt', 'pausedFrom', 'version',
];

function changesOf(before: Campaign, after: Campaign): Changes {
  const set: Record<string, unknown> = {};
  const remove: string[] = [];
  for (const k of WRITABLE) {
    const a = before[k];
    const b = after[k];
    if (JSON.stringify(a) === JSON.stringify(b)) continue;
    if (b === undefined) remove.push(k);
    else set[k] = b;
  }
  if (isLive(after) !== isLive(before) || set.state !== undefined) {
    if (isLive(after)) {
      set.gsi1pk = keys.liveCampaigns(after.instanceId);
      set.gsi1sk = after.campaignId;
    } else remove.push('gsi1pk', 'gsi1sk');
  }
  return { set, remove: remove.filter((k) => !(k in set)) };
}

/** The CampaignStateChanged event of a transition (stable id per campaign version). */
export function stateChangedEvent(next: Campaign, previous: CampaignState, source: string, now: number, principal?: string): EffectInput {
  return {
    type: 'publish',
    id: effectId(now, 'campaign', next.campaignId, `v${next.version}`, 'event'),
    order: 1,
    event: buildEvent(
      'CampaignStateChanged',
      { instanceId: next.instanceId, campaignId: next.campaignId, name: next.name, state: next.state, previousState: previous, version: next.version, ...(principal ? { principal } : {}) },
      { source, time: now },
    ),
  };
}

/** Options the machine needs from the deployment. */
export interface CampaignMachineOptions {
  /** `source` of published events. */
  eventSource: string;
}

/** Runs one event against a campaign. Pure. */
export function transitionCampaign(
  c: Campaign,
  input: CampaignEventInput,
  now: number,
  options: CampaignMachineOptions,
  context: { runningImports: number } = { runningImports: 0 },
): CampaignTransition | CampaignRejected {
  const event = CampaignEvent.parse(input);
  const at = isoAt(now);
  const base: Campaign = { ...c, updatedAt: at, version: c.version + 1 };
  const v = `v${base.version}`;
  const id = (what: string) => effectId(now, 'campaign', c.campaignId, v, what);
  const conflict = (reason: string): CampaignRejected => ({ ok: false, reason, conflict: true });
  const nothing = (reason: string): CampaignRejected => ({ ok: false, reason, conflict: false });
  const done = (next: Campaign, effects: EffectInput[], actor?: Actor, action?: string): CampaignTransition => {
    const all = [...effects];
    if (next.state !== c.state) all.push(stateChangedEvent(next, c.state, options.eventSource, now, actor?.principal));
    if (actor && action) {
      // The audit entry is written with the change it records (an effect of the same commit).
      const { item } = auditItem(
        c.instanceId,
        { actor: actor.principal, action, entity: { type: 'campaign', id: c.campaignId }, details: { from: c.state, to: next.state, version: next.version } },
        now,
        stableId(c.campaignId, v, action),
      );
      all.push({ type: 'put', id: id('audit'), item });
    }
    return { ok: true, next, changes: changesOf(c, next), condition: { eq: ['version', c.version] }, effects: all };
  };
  const tick = (reason: string): EffectInput => ({
    type: 'send',
    id: id('tick'),
    order: 2,
    queue: 'tick',
    body: JSON.stringify({ type: 'tick', instanceId: c.instanceId, campaignId: c.campaignId, reason }),
  });

  switch (event.type) {
    case 'start': {
      if (!ALLOWED.start.includes(c.state)) return conflict(`cannot start a ${c.state} campaign`);
      if (!event.hasContacts && context.runningImports === 0) return conflict('the campaign has no contacts');
      const now_ = c.start.mode === 'now';
      const next: Campaign = { ...base, state: now_ ? 'running' : 'scheduled', run: c.run + 1, ...(now_ ? { startedAt: at } : {}) };
      return done(next, [{ type: 'startLoop', id: id('loop'), order: 2, instanceId: c.instanceId, campaignId: c.campaignId, run: next.run }], event.actor, 'campaign.start');
    }
    case 'pause': {
      if (!ALLOWED.pause.includes(c.state)) return conflict(`cannot pause a ${c.state} campaign`);
      return done({ ...base, state: 'paused', pausedFrom: c.state }, [], event.actor, 'campaign.pause');
    }
    case 'resume': {
      if (!ALLOWED.resume.includes(c.state)) return conflict(`cannot resume a ${c.state} campaign`);
      const next: Campaign = { ...base, state: c.startedAt ? 'running' : 'scheduled', run: c.run + 1, pausedFrom: undefined };
      return done(
        next,
        [{ type: 'startLoop', id: id('loop'), order: 2, instanceId: c.instanceId, campaignId: c.campaignId, run: next.run }, tick('stateChanged')],
        event.actor,
        'campaign.resume',
      );
    }
    case 'stop': {
      if (!ALLOWED.stop.includes(c.state)) return conflict(`cannot stop a ${c.state} campaign`);
      const next: Campaign = { ...base, state: 'stopped', stoppedAt: at, pausedFrom: undefined };
      return done(
        next,
        [
          {
            type: 'send',
            id: id('cancel'),
            order: 2,
            queue: 'work',
            body: JSON.stringify({ type: 'cancelJobs', instanceId: c.instanceId, campaignId: c.campaignId, reason: 'Stopped', fromShard: 0 }),
          },
        ],
        event.actor,
        'campaign.stop',
      );
    }
    case 'promote': {
      if (c.state !== 'scheduled') return nothing(`campaign is ${c.state}`);
      return done({ ...base, state: 'running', startedAt: c.startedAt ?? at }, []);
    }
    case 'complete': {
      if (c.state !== 'running' && !(c.state === 'stopped' && !c.finishedAt)) return nothing(`campaign is ${c.state}`);
      if (context.runningImports > 0) return nothing('imports are running');
      const total = event.counters.total ?? 0;
      if ((event.counters.completed ?? 0) < total) return nothing('jobs are left');
      if (c.state === 'running' && total === 0) return nothing('no contacts yet');
      const next: Campaign = { ...base, state: c.state === 'running' ? 'completed' : 'stopped', finishedAt: at };
      return done(next, [
        {
          type: 'publish',
          id: id('complete'),
          order: 1,
          event: buildEvent(
            'CampaignComplete',
            { instanceId: c.instanceId, campaignId: c.campaignId, name: c.name, run: c.run, ...(c.startedAt ? { startedAt: c.startedAt } : {}), finishedAt: at, counters: event.counters },
            { source: options.eventSource, time: now },
          ),
        },
      ]);
    }
    case 'update': {
      if (!EDITABLE_STATES.includes(c.state)) return conflict(`a ${c.state} campaign cannot be changed; pause it first`);
      if (event.basedOn !== undefined && event.basedOn !== c.version) return nothing(STALE_UPDATE);
      // The settings replace the strategy as a whole: an optional field the merge removed (`null`) goes too.
      const next: Campaign = { ...base, ...Object.fromEntries(SETTINGS_KEYS.map((k) => [k, event.settings[k]])) };
      const windowsChanged = JSON.stringify(c.windows) !== JSON.stringify(next.windows) || JSON.stringify(c.start) !== JSON.stringify(next.start);
      const effects: EffectInput[] = windowsChanged && c.state !== 'draft'
        ? [{ type: 'send', id: id('replan'), order: 2, queue: 'work', body: JSON.stringify({ type: 'replan', instanceId: c.instanceId, campaignId: c.campaignId, fromShard: 0 }) }]
        : [];
      return done(next, effects, event.actor, 'campaign.update');
    }
  }
}
