import * as z from 'zod';
import { NotFoundError, ValidationError } from '../../../lib/core/errors';
import { getCampaign } from '../../../lib/campaigns/repository';
import { getInstanceSettings } from '../../../lib/instances/repository';
import { callDetail, CallDetail } from '../../../lib/results/history';
import { ExportRequest, ExportView, exportView, getExport, listExports, requestExport } from '../../../lib/results/exports';
import { PAGE_HEADERS, reportAsset, reportPageHtml } from '../../../lib/results/page';
import { readReport, ReportResponse } from '../../../lib/results/report';
import type { DayRange } from '../../../lib/results/source';
import { readStatistics, StatisticsResponse } from '../../../lib/results/statistics';
import { localParts } from '../../../lib/windows/time';
import type { Deps } from '../../../lib/core/deps';
import { route, type Route } from '../route';

const CampaignParams = z.object({ campaignId: z.string().min(1).max(100) });
const PageQuery = z.object({ limit: z.coerce.number().int().min(1).max(200).default(50), cursor: z.string().max(2000).optional() });

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;
const When = z
  .string()
  .max(40)
  .refine((v) => DAY.test(v) || (TIME.test(v) && !Number.isNaN(Date.parse(v.replace(' ', 'T')))), 'expected a date YYYY-MM-DD or a time YYYY-MM-DD HH:mm:ss / ISO 8601');

/** Query of the statistics and the report: an optional range of whole days (seed 001's `date` pair also accepted). */
export const RangeQuery = z.object({
  from: When.optional().describe('First day (YYYY-MM-DD, or a time whose day in the instance zone is used)'),
  to: When.optional().describe('Last day, inclusive'),
  date: z.string().max(100).optional().describe('Seed 001 compatibility: "start,end" times'),
});

/** The day of a date or time in the instance's zone (a time without an offset is read in that zone's day as written). */
function dayOf(value: string, timeZone: string): string {
  if (DAY.test(value)) return value;
  const hasZone = /(Z|[+-]\d{2}:?\d{2})$/.test(value);
  if (!hasZone) return value.slice(0, 10);
  return localParts(Date.parse(value.replace(' ', 'T')), timeZone).date;
}

/** Resolves the range of a statistics or report query; undefined = the whole campaign. */
async function rangeOf(deps: Deps, instanceId: string, q: z.infer<typeof RangeQuery>): Promise<DayRange | undefined> {
  let { from, to } = q;
  if (q.date && !from && !to) {
    const parts = q.date.split(',').map((s) => s.trim().replace(/^[[“"']+|[\]”"']+$/g, ''));
    if (parts.length !== 2 || !parts.every((p) => When.safeParse(p).success)) {
      throw new ValidationError('date must be two times "start,end"', [{ path: 'date', message: 'expected "start,end"' }]);
    }
    [from, to] = parts as [string, string];
  }
  if (!from && !to) return undefined;
  const { timeZone } = await getInstanceSettings(deps.store, instanceId);
  const today = localParts(deps.clock.now(), timeZone).date;
  return { from: from ? dayOf(from, timeZone) : (to ? dayOf(to, timeZone) : today), to: to ? dayOf(to, timeZone) : today };
}

/** Statistics (R2, R4), report (R3), report page, exports (R6) and call detail (T4–T6). */
export const resultRoutes: Route[] = [
  route({
    method: 'GET',
    path: '/campaigns/{campaignId}/statistics',
    summary: "A campaign's statistics in seed 001's shape (answer_rate, intention A–E, number_status 0–12, rounds) with a camel-cased twin and seed 000's measures (R2, R4)",
    tags: ['results'],
    params: CampaignParams,
    query: RangeQuery,
    response: StatisticsResponse,
    async handle(req, deps) {
      const range = await rangeOf(deps, req.instanceId, req.query);
      return { body: await readStatistics(deps.store, req.instanceId, req.params.campaignId, range) };
    },
  }),
  route({
    method: 'GET',
    path: '/campaigns/{campaignId}/report',
    summary: "A campaign's report (R3): execution statistics, top-30 intents, hang-up nodes and intents after a no-match, funnel, tags, variables, flow statistics, timeline",
    tags: ['results'],
    params: CampaignParams,
    query: RangeQuery,
    response: ReportResponse,
    async handle(req, deps) {
      const range = await rangeOf(deps, req.instanceId, req.query);
      return { body: await readReport(deps.store, req.instanceId, req.params.campaignId, range) };
    },
  }),
  route({
    method: 'GET',
    path: '/campaigns/{campaignId}/report.html',
    summary: 'The report page: charts that refresh while the campaign runs. Public; it asks for the API key (or reads #key= / #token= from the URL fragment) and calls the JSON API with it',
    tags: ['results'],
    public: true,
    params: CampaignParams,
    async handle(req) {
      return { body: reportPageHtml(req.params.campaignId), headers: PAGE_HEADERS };
    },
  }),
  route({
    method: 'GET',
    path: '/report-assets/{file}',
    summary: 'Scripts and styles of the report page (Chart.js, served from the API: no CDN)',
    tags: ['results'],
    public: true,
    params: z.object({ file: z.string().max(50) }),
    async handle(req) {
      const asset = reportAsset(req.params.file);
      if (!asset) throw new NotFoundError('asset', req.params.file);
      return { body: asset.body, headers: { 'content-type': asset.contentType, 'cache-control': 'public, max-age=3600', 'x-content-type-options': 'nosniff' } };
    },
  }),
  route({
    method: 'POST',
    path: '/campaigns/{campaignId}/exports',
    summary: 'Start an export (R6): the result workbook (.xlsx), the call log, unreachable contacts or transcripts (.csv or .xlsx); follow it in the download centre',
    tags: ['exports'],
    params: CampaignParams,
    body: ExportRequest,
    status: 202,
    response: ExportView,
    async handle(req, deps) {
      return { body: await requestExport(deps, req.instanceId, req.params.campaignId, req.body, req.principal) };
    },
  }),
  route({
    method: 'GET',
    path: '/campaigns/{campaignId}/exports',
    summary: "A campaign's exports, newest first, with progress and download links",
    tags: ['exports'],
    params: CampaignParams,
    query: PageQuery,
    response: z.object({ items: z.array(ExportView), cursor: z.string().optional() }),
    async handle(req, deps) {
      // Another instance's (or an unknown) campaign is 404, not an empty list.
      await getCampaign(deps.store, req.instanceId, req.params.campaignId);
      const page = await listExports(deps.store, req.instanceId, { campaignId: req.params.campaignId, limit: req.query.limit, cursor: req.query.cursor });
      return { body: { ...page, items: await Promise.all(page.items.map((e) => exportView(deps, e))) } };
    },
  }),
  route({
    method: 'GET',
    path: '/exports',
    summary: 'The download centre: every export of the instance, newest first, with progress and download links',
    tags: ['exports'],
    query: PageQuery,
    response: z.object({ items: z.array(ExportView), cursor: z.string().optional() }),
    async handle(req, deps) {
      const page = await listExports(deps.store, req.instanceId, { limit: req.query.limit, cursor: req.query.cursor });
      return { body: { ...page, items: await Promise.all(page.items.map((e) => exportView(deps, e))) } };
    },
  }),
  route({
    method: 'GET',
    path: '/exports/{exportId}',
    summary: 'One export: status, progress and, once completed, a short-lived download link',
    tags: ['exports'],
    params: z.object({ exportId: z.string().min(1).max(100) }),
    response: ExportView,
    async handle(req, deps) {
      const job = await getExport(deps.store, req.instanceId, req.params.exportId);
      if (!job) throw new NotFoundError('export', req.params.exportId);
      return { body: await exportView(deps, job) };
    },
  }),
  route({
    method: 'GET',
    path: '/calls/{callId}/detail',
    summary: 'Call detail: the record, its job and campaign, the transcript with node names, tags, hang-up party and node, and a recording link',
    tags: ['calls'],
    params: z.object({ callId: z.string().min(1).max(100) }),
    response: CallDetail,
    async handle(req, deps) {
      const detail = await callDetail(deps.store, deps.blobs.recordings, req.instanceId, req.params.callId, deps.clock.now());
      if (!detail) throw new NotFoundError('call', req.params.callId);
      return { body: detail };
    },
  }),
];
