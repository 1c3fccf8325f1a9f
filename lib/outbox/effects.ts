import * as z from 'zod';

/**
 * Effects: what a state change asks the outside world to do, as data. A machine returns them; the
 * outbox writes them onto the changed item in the same conditional write (the item is its own outbox),
 * applies them idempotently and clears them; the sweep applies what a crash left behind.
 *
 * Every effect has an `id` unique to the fact it comes from. Ids start with the fact's time in base 36
 * (`<ms36>:<rest>`) so that idempotency markers can be dated and collected; the rest names the entity,
 * its version or attempt, and the effect's position.
 */

/** Primary key of an item, as effects carry it. */
export const EffectKey = z.object({ pk: z.string().min(1), sk: z.string().min(1) });

/** A bus event as an effect carries it (the BusEvent port type). */
export const EffectEvent = z.object({
  id: z.string(),
  source: z.string(),
  detailType: z.string(),
  detail: z.record(z.string(), z.unknown()),
  time: z.string(),
  resources: z.array(z.string()).optional(),
});

const base = {
  /** Unique per fact; starts with the fact's time in base 36. */
  id: z.string().min(3).max(400),
  /** Effects run by ascending order; those with the same order run concurrently. */
  order: z.number().int().min(0).max(9).default(0),
};

/** One effect. */
export const Effect = z.discriminatedUnion('type', [
  /** Adds numbers to an item exactly once per id (a marker set on the item dedupes). */
  z.object({
    type: z.literal('count'),
    ...base,
    key: EffectKey,
    add: z.record(z.string(), z.number()),
    /** Attributes to set on the counted item as well (e.g. its type). */
    set: z.record(z.string(), z.unknown()).optional(),
  }),
  /** Publishes an event (consumers deduplicate by its id). */
  z.object({ type: z.literal('publish'), ...base, event: EffectEvent }),
  /** Sends a message to one of the queues (consumers are idempotent). */
  z.object({
    type: z.literal('send'),
    ...base,
    queue: z.enum(['dial', 'tick', 'work']),
    body: z.string(),
    delaySeconds: z.number().int().min(0).max(900).optional(),
  }),
  /** Deletes an item if `holder` still holds it (a concurrency lease). */
  z.object({ type: z.literal('release'), ...base, key: EffectKey, holder: z.string() }),
  /** Writes an item once (e.g. an audit entry); an existing item is left alone. */
  z.object({ type: z.literal('put'), ...base, item: z.record(z.string(), z.unknown()) }),
  /** Starts a campaign's dispatch loop (idempotent per campaign and run). */
  z.object({ type: z.literal('startLoop'), ...base, instanceId: z.string(), campaignId: z.string(), run: z.number().int() }),
  /** Runs a named domain task (a job transition, a call's aggregates...); the task itself is idempotent. */
  z.object({ type: z.literal('task'), ...base, task: z.string(), args: z.record(z.string(), z.unknown()) }),
]);
/** One effect. */
export type Effect = z.infer<typeof Effect>;
/** One effect, as machines build it (order may be left out). */
export type EffectInput = z.input<typeof Effect>;

/** An effect id: the fact's time first (base 36), then what identifies the fact. */
export function effectId(at: number, ...parts: (string | number)[]): string {
  return `${Math.max(0, Math.floor(at)).toString(36)}:${parts.join(':')}`;
}

/** The time an effect id was made at (from its base-36 prefix), or undefined when it has none. */
export function effectTime(id: string): number | undefined {
  const prefix = id.split(':', 1)[0]!;
  const ms = parseInt(prefix, 36);
  return Number.isFinite(ms) && /^[0-9a-z]+$/.test(prefix) ? ms : undefined;
}
