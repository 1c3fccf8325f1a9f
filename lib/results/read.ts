/**
 * Reads the results aggregates of a campaign: the totals (one query over `A#` items) or a day range
 * (one key-bounded query over `D#<from>`…`D#<to>` items). Never reads a job or a call, so the cost
 * does not grow with the campaign (docs/results.md).
 */
import type { Item, Store } from '../ports/store';
import { NODE_STATS, type NodeStat } from './classify';
import { resultKeys } from './keys';

/** Longest day range one read may cover. */
export const MAX_RANGE_DAYS = 92;

/** A count per name plus what went to the "other" bucket. */
export interface Histogram {
  counts: Map<string, number>;
  other: number;
}

/** One point of the timeline: a day (totals) or an hour (`YYYY-MM-DDTHH`, day ranges). */
export interface TimelinePoint {
  at: string;
  calls: number;
  answered: number;
  completed: number;
  succeeded: number;
}

/** The summed aggregates of a campaign or a day range. */
export interface Aggregates {
  /** Fixed counters (calls…, jobs…, grades, number statuses, rounds). */
  c: Record<string, number>;
  intents: Histogram;
  afterNoMatch: Histogram;
  hangupNodes: Histogram;
  /** Node id (`~` = nodes the scenario does not declare) → figures. */
  flow: Map<string, Record<NodeStat, number>>;
  /** Tag group → value histogram (declared and undeclared values). */
  tags: Map<string, Histogram>;
  /** Contact variable → value histogram (per dialled job). */
  variables: Map<string, Histogram>;
  timeline: TimelinePoint[];
  /** Items read (for the bench and tests). */
  itemsRead: number;
}

const META = new Set(['pk', 'sk', 'type', 'distinct']);

const hist = (): Histogram => ({ counts: new Map(), other: 0 });
const bump = (m: Map<string, number>, k: string, n: number) => m.set(k, (m.get(k) ?? 0) + n);
const groupHist = (m: Map<string, Histogram>, k: string) => {
  let h = m.get(k);
  if (!h) m.set(k, (h = hist()));
  return h;
};

function emptyAggregates(): Aggregates {
  return { c: {}, intents: hist(), afterNoMatch: hist(), hangupNodes: hist(), flow: new Map(), tags: new Map(), variables: new Map(), timeline: [], itemsRead: 0 };
}

/** Adds one stored item into the running sums. `day` is set for items of a day scope. */
function absorb(a: Aggregates, item: Item, name: string, day: string | undefined, timeline: Map<string, TimelinePoint>): void {
  a.itemsRead += 1;
  const point = (at: string) => {
    let p = timeline.get(at);
    if (!p) timeline.set(at, (p = { at, calls: 0, answered: 0, completed: 0, succeeded: 0 }));
    return p;
  };
  for (const [attr, raw] of Object.entries(item)) {
    if (META.has(attr) || typeof raw !== 'number') continue;
    const n = raw;
    if (name.startsWith('C#')) {
      const hour = /^h(\d\d):(calls|answered|completed|succeeded)$/.exec(attr);
      if (hour) {
        if (day) point(`${day}T${hour[1]}`)[hour[2] as 'calls'] += n;
        continue;
      }
      a.c[attr] = (a.c[attr] ?? 0) + n;
    } else if (name === 'T') {
      const m = /^d:(\d{4}-\d{2}-\d{2}):(calls|answered|completed|succeeded)$/.exec(attr);
      if (m) point(m[1]!)[m[2] as 'calls'] += n;
    } else if (attr.startsWith('i:')) bump(a.intents.counts, attr.slice(2), n);
    else if (attr === 'i~') a.intents.other += n;
    else if (attr.startsWith('a:')) bump(a.afterNoMatch.counts, attr.slice(2), n);
    else if (attr === 'a~') a.afterNoMatch.other += n;
    else if (attr.startsWith('n:')) bump(a.hangupNodes.counts, attr.slice(2), n);
    else if (attr === 'n~') a.hangupNodes.other += n;
    else if (attr.startsWith('f:')) {
      const bar = attr.lastIndexOf('|');
      const node = attr.slice(2, bar);
      const stat = attr.slice(bar + 1) as NodeStat;
      let f = a.flow.get(node);
      if (!f) a.flow.set(node, (f = Object.fromEntries(NODE_STATS.map((s) => [s, 0])) as Record<NodeStat, number>));
      if (stat in f) f[stat] += n;
    } else if (attr.startsWith('t:')) {
      const eq = attr.indexOf('=');
      bump(groupHist(a.tags, attr.slice(2, eq)).counts, attr.slice(eq + 1), n);
    } else if (attr.startsWith('t~')) groupHist(a.tags, attr.slice(2)).other += n;
    else if (attr.startsWith('v:')) {
      const eq = attr.indexOf('=');
      bump(groupHist(a.variables, attr.slice(2, eq)).counts, attr.slice(eq + 1), n);
    } else if (attr.startsWith('v~')) groupHist(a.variables, attr.slice(2)).other += n;
  }
}

async function queryAll(store: Store, query: Parameters<Store['query']>[0]): Promise<Item[]> {
  const out: Item[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.query({ ...query, cursor });
    out.push(...page.items);
    cursor = page.cursor;
  } while (cursor);
  return out;
}

/** What to read: only the fixed counters (statistics) or everything (report). */
export type AggregateParts = 'counters' | 'all';

/**
 * Reads the aggregates of a campaign: its totals, or the days `from`…`to` (YYYY-MM-DD, inclusive, in
 * the instance's zone). Figures that follow a job (numbers answered, grades, number statuses,
 * variables) count, in a range, the jobs whose latest call was in the range.
 */
export async function readAggregates(
  store: Store,
  instanceId: string,
  campaignId: string,
  range?: { from: string; to: string },
  parts: AggregateParts = 'all',
): Promise<Aggregates> {
  const pk = resultKeys.partition(instanceId, campaignId);
  const between = (kind: 'C' | 'H'): [string, string] => [`D#${kind}#${range!.from}#`, `D#${kind}#${range!.to}#\uffff`];
  const batches = range
    ? await Promise.all((parts === 'all' ? (['C', 'H'] as const) : (['C'] as const)).map((kind) => queryAll(store, { pk, between: between(kind) })))
    : [await queryAll(store, { pk, beginsWith: parts === 'all' ? 'A#' : 'A#C#' })];
  const a = emptyAggregates();
  const timeline = new Map<string, TimelinePoint>();
  for (const item of batches.flat()) {
    const sk = String(item.sk);
    if (range) {
      const m = /^D#(C|H)#(\d{4}-\d{2}-\d{2})#(.*)$/.exec(sk);
      if (m) absorb(a, item, `${m[1]}#${m[3]}`, m[2]!, timeline);
    } else absorb(a, item, sk.slice(2), undefined, timeline);
  }
  a.timeline = [...timeline.values()].sort((x, y) => x.at.localeCompare(y.at));
  return a;
}

/** Number of days from `from` to `to` inclusive (YYYY-MM-DD). */
export function daySpan(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000) + 1;
}
