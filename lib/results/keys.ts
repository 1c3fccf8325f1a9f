/**
 * Keys of the results aggregates (docs/results.md). One partition per campaign holds the campaign
 * totals (`A#C#<shard>` counters, `A#T` timeline, `A#H#<section>` histograms) and the days
 * (`D#C#<date>#<shard>` counters, `D#H#<date>#<section>` histograms). Counters sort apart from
 * histograms, so the statistics read only counters (one small query) and a day range is one
 * key-bounded query per kind, whatever the campaign's size.
 */
import type { ItemKey } from '../ports/store';

/**
 * Items per scope that hold the fixed counters; a call adds to the shard of its call id. One: every results
 * item of a campaign is in one partition, so more counter items add no write throughput (a partition takes
 * 1,000 write units a second, far above what Chime's call rates end), while each one is read again by every
 * statistics and report read (four per scope until 2026-12: the 7-day report read 98 items, now 77; reads sum
 * whatever `C#<shard>` items exist, so counters written then still count).
 */
export const RESULT_COUNTER_SHARDS = 1;

/** Sort key of an item: `item` is `C#<shard>`, `T` or `H#<section>`; `scope` is `all` or a day. */
export function resultSortKey(scope: string, item: string): string {
  if (scope === 'all') return `A#${item}`;
  const hash = item.indexOf('#');
  const kind = hash < 0 ? item : item.slice(0, hash);
  const rest = hash < 0 ? '' : item.slice(hash + 1);
  return `D#${kind}#${scope}#${rest}`;
}

/** Result keys. */
export const resultKeys = {
  /** Partition of a campaign's result aggregates. */
  partition: (instanceId: string, campaignId: string) => `I#${instanceId}#CMP#${campaignId}#RES`,
  /** One aggregate item: `scope` is `all` (campaign totals) or a day (YYYY-MM-DD); `item` names the section. */
  item: (instanceId: string, campaignId: string, scope: string, item: string): ItemKey => ({
    pk: resultKeys.partition(instanceId, campaignId),
    sk: resultSortKey(scope, item),
  }),
};
