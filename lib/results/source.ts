/**
 * What the statistics and the report are built from: the campaign, its scenario version (reporting
 * rules, node names), the campaign's progress counters (R1) and the results aggregates. A bounded
 * number of reads whatever the campaign's size; published scenario versions are immutable, so they
 * are cached per process.
 */
import { getCampaign, getProgress, type Progress } from '../campaigns/repository';
import type { Campaign } from '../campaigns/schema';
import { ValidationError } from '../core/errors';
import type { Store } from '../ports/store';
import { getScenarioVersion } from '../scenarios/repository';
import type { ScenarioDefinition } from '../scenarios/schema';
import { daySpan, MAX_RANGE_DAYS, readAggregates, type AggregateParts, type Aggregates } from './read';

/** A whole-day range in the instance's zone. */
export interface DayRange {
  from: string;
  to: string;
}

/** Everything a statistics or report view needs. */
export interface ResultsSource {
  campaign: Campaign;
  definition: ScenarioDefinition | undefined;
  progress: Progress;
  aggregates: Aggregates;
  range?: DayRange;
}

const versions = new Map<string, ScenarioDefinition | null>();
const MAX_CACHED_VERSIONS = 500;

/** A published scenario version's definition (cached: versions never change). */
export async function scenarioDefinitionOf(store: Store, instanceId: string, scenarioId: string, version: number): Promise<ScenarioDefinition | undefined> {
  const k = `${instanceId}\u0000${scenarioId}\u0000${version}`;
  const hit = versions.get(k);
  if (hit !== undefined) return hit ?? undefined;
  const v = await getScenarioVersion(store, instanceId, scenarioId, version);
  if (v) {
    if (versions.size >= MAX_CACHED_VERSIONS) versions.delete(versions.keys().next().value!);
    versions.set(k, v.definition);
  }
  return v?.definition;
}

/** Loads the source of a campaign's statistics or report (404 when the campaign is not the instance's). */
export async function loadResultsSource(store: Store, instanceId: string, campaignId: string, range?: DayRange, parts: AggregateParts = 'all'): Promise<ResultsSource> {
  if (range) checkRange(range);
  const [campaign, progress, aggregates] = await Promise.all([
    getCampaign(store, instanceId, campaignId),
    getProgress(store, instanceId, campaignId),
    readAggregates(store, instanceId, campaignId, range, parts),
  ]);
  const definition = await scenarioDefinitionOf(store, instanceId, campaign.scenarioId, campaign.scenarioVersion);
  return { campaign, definition, progress, aggregates, ...(range ? { range } : {}) };
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** Checks a day range: valid dates, from ≤ to, at most MAX_RANGE_DAYS days. */
export function checkRange(range: DayRange): void {
  for (const field of ['from', 'to'] as const) {
    if (!DAY.test(range[field]) || Number.isNaN(Date.parse(`${range[field]}T00:00:00Z`))) {
      throw new ValidationError(`${field} must be a date YYYY-MM-DD or an ISO 8601 time`, [{ path: field, message: 'not a date' }]);
    }
  }
  const span = daySpan(range.from, range.to);
  if (span < 1) throw new ValidationError('from must not be after to', [{ path: 'from', message: 'after to' }]);
  if (span > MAX_RANGE_DAYS) throw new ValidationError(`a range may span at most ${MAX_RANGE_DAYS} days`, [{ path: 'to', message: 'range too long' }]);
}
