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

const HOURLY = new Set(['calls', 'answered', 'completed', 'succeeded']);
type TimelineField = 'calls' | 'answered' | 'completed' | 'succeeded';
const isDigit = (s: string, i: number) => {
  const c = s.charCodeAt(i);
  return c >= 48 && c <= 57;
};

/** `hHH:<field>` of a day's counters item, or undefined (same as /^h(\d\d):(calls|answered|completed|succeeded)$/). */
function hourlyField(attr: string): TimelineField | undefined {
  if (attr.charCodeAt(0) !== 104 /* h */ || attr.charCodeAt(3) !== 58 /* : */ || !isDigit(attr, 1) || !isDigit(attr, 2)) return undefined;
  const field = attr.slice(4);
  return HOURLY.has(field) ? (field as TimelineField) : undefined;
}

/** `d:YYYY-MM-DD:<field>` of the totals' timeline item, or undefined (same as /^d:(\d{4}-\d{2}-\d{2}):(calls|…)$/). */
function dailyField(attr: string): TimelineField | undefined {
  if (attr.charCodeAt(0) !== 100 /* d */ || attr.charCodeAt(1) !== 58 || attr.charCodeAt(12) !== 58 || !isDay(attr, 2)) return undefined;
  const field = attr.slice(13);
  return HOURLY.has(field) ? (field as TimelineField) : undefined;
}

/** `YYYY-MM-DD` at `at` in `s` (digits and dashes only; the calendar is not checked, as the pattern it replaces did not). */
function isDay(s: string, at: number): boolean {
  for (let i = 0; i < 10; i++) {
    if (i === 4 || i === 7 ? s.charCodeAt(at + i) !== 45 : !isDigit(s, at + i)) return false;
  }
  return true;
}

/**
 * The running sums of one read. Why a class with plain loops: a 7-day report absorbs ~80 items of
 * up to ~100 attributes each on the request's thread, and the per-attribute `Object.entries` pairs,
 * regular-expression matches and closures of the first version were a fifth of what a read allocated
 * (garbage collections during a read were the tail of its latency).
 */
class Absorber {
  readonly a = emptyAggregates();
  private readonly timeline = new Map<string, TimelinePoint>();

  private point(at: string): TimelinePoint {
    let p = this.timeline.get(at);
    if (!p) this.timeline.set(at, (p = { at, calls: 0, answered: 0, completed: 0, succeeded: 0 }));
    return p;
  }

  /** Adds one stored item: `kind` is `C` (counters), `T` (timeline) or another section; `day` is set for items of a day scope. */
  absorb(item: Item, kind: 'C' | 'T' | 'H', day: string | undefined): void {
    const a = this.a;
    a.itemsRead += 1;
    for (const attr in item) {
      const n = item[attr];
      if (typeof n !== 'number' || META.has(attr)) continue;
      if (kind === 'C') {
        const hour = hourlyField(attr);
        if (hour) {
          if (day) this.point(`${day}T${attr.slice(1, 3)}`)[hour] += n;
          continue;
        }
        a.c[attr] = (a.c[attr] ?? 0) + n;
      } else if (kind === 'T') {
        const field = dailyField(attr);
        if (field) this.point(attr.slice(2, 12))[field] += n;
      } else this.histogram(attr, n);
    }
  }

  private histogram(attr: string, n: number): void {
    const a = this.a;
    switch (attr.charCodeAt(0)) {
      case 105 /* i */:
        if (attr.charCodeAt(1) === 58) bump(a.intents.counts, attr.slice(2), n);
        else if (attr === 'i~') a.intents.other += n;
        return;
      case 97 /* a */:
        if (attr.charCodeAt(1) === 58) bump(a.afterNoMatch.counts, attr.slice(2), n);
        else if (attr === 'a~') a.afterNoMatch.other += n;
        return;
      case 110 /* n */:
        if (attr.charCodeAt(1) === 58) bump(a.hangupNodes.counts, attr.slice(2), n);
        else if (attr === 'n~') a.hangupNodes.other += n;
        return;
      case 102 /* f */: {
        if (attr.charCodeAt(1) !== 58) return;
        const bar = attr.lastIndexOf('|');
        const node = attr.slice(2, bar);
        const stat = attr.slice(bar + 1) as NodeStat;
        let f = a.flow.get(node);
        if (!f) a.flow.set(node, (f = Object.fromEntries(NODE_STATS.map((s) => [s, 0])) as Record<NodeStat, number>));
        if (stat in f) f[stat] += n;
        return;
      }
      case 116 /* t */:
      case 118 /* v */: {
        const groups = attr.charCodeAt(0) === 116 ? a.tags : a.variables;
        if (attr.charCodeAt(1) === 58) {
          const eq = attr.indexOf('=');
          bump(groupHist(groups, attr.slice(2, eq)).counts, attr.slice(eq + 1), n);
        } else if (attr.charCodeAt(1) === 126 /* ~ */) groupHist(groups, attr.slice(2)).other += n;
        return;
      }
      default:
    }
  }

  /** The sums, the timeline in time order. */
  result(): Aggregates {
    this.a.timeline = [...this.timeline.values()].sort((x, y) => x.at.localeCompare(y.at));
    return this.a;
  }
}

/** The kind of a totals section name (`C#<shard>` → C, `T` → T, the rest → H). */
const kindOf = (name: string): 'C' | 'T' | 'H' => (name.startsWith('C#') ? 'C' : name === 'T' ? 'T' : 'H');

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
  const sums = new Absorber();
  for (const batch of batches) {
    for (const item of batch) {
      const sk = String(item.sk);
      if (range) {
        // D#<C|H>#<YYYY-MM-DD>#<rest>
        if (sk.charCodeAt(0) !== 68 || sk.charCodeAt(1) !== 35 || sk.charCodeAt(3) !== 35 || sk.charCodeAt(14) !== 35 || !isDay(sk, 4)) continue;
        const k = sk.charAt(2);
        if (k !== 'C' && k !== 'H') continue;
        sums.absorb(item, k, sk.slice(4, 14));
      } else sums.absorb(item, kindOf(sk.slice(2)), undefined);
    }
  }
  return sums.result();
}

/** Number of days from `from` to `to` inclusive (YYYY-MM-DD). */
export function daySpan(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000) + 1;
}
