/**
 * Keys of the results aggregates (docs/results.md, docs/data-model.md "Results"). One partition per
 * campaign holds the campaign totals (`A#…`) and one item set per day (`D#<date>#…`), so the totals
 * are one query and a day range is one key-bounded query, whatever the campaign's size.
 */
import type { ItemKey } from '../ports/store';

/** Items per scope that hold the fixed counters; a call adds to the shard of its call id. */
export const RESULT_COUNTER_SHARDS = 4;

/** Sort-key prefix of a scope: campaign totals or one day. */
export const scopePrefix = (scope: string): string => (scope === 'all' ? 'A#' : `D#${scope}#`);

/** Result keys. */
export const resultKeys = {
  /** Partition of a campaign's result aggregates. */
  partition: (instanceId: string, campaignId: string) => `I#${instanceId}#CMP#${campaignId}#RES`,
  /** One aggregate item: `scope` is `all` (campaign totals) or a day (YYYY-MM-DD); `item` names the section. */
  item: (instanceId: string, campaignId: string, scope: string, item: string): ItemKey => ({
    pk: resultKeys.partition(instanceId, campaignId),
    sk: `${scopePrefix(scope)}${item}`,
  }),
};
