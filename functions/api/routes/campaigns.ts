import * as z from 'zod';
import { getProgress, getCampaign, listCampaigns, createCampaign } from '../../../lib/campaigns/repository';
import { copyCampaign, pauseCampaign, rerunCampaign, resumeCampaign, startCampaign, stopCampaign, updateCampaign } from '../../../lib/campaigns/lifecycle';
import { Campaign, CampaignSettings, CampaignSettingsPatch, Contact, RerunOutcome } from '../../../lib/campaigns/schema';
import { audit } from '../../../lib/audit';
import type { Deps } from '../../../lib/core/deps';
import { newId } from '../../../lib/core/ids';
import { ConflictError, NotFoundError, ValidationError } from '../../../lib/core/errors';
import { CampaignState } from '../../../lib/domain/statuses';
import { getInstanceSettings } from '../../../lib/instances/repository';
import { listSuspended, suspendNumbers, unsuspendNumbers } from '../../../lib/lists';
import { beginImport, fromArray, getImport, listImports, listRejections, runImport, type ImportReport } from '../../../lib/contacts/import';
import { uploadKey } from '../../../lib/contacts/work';
import { ACCEPTS_CONTACTS } from '../../../lib/campaigns/campaign-machine';
import { formFile, parseMultipart } from '../multipart';
import { splitManualNumbers } from '../../../lib/contacts/normalize';
import { ContactFileError, fileRows, formatOf, sniffFormat, type ContactFileFormat } from '../../../lib/contacts/parse';
import { csvTemplate, xlsxTemplate } from '../../../lib/contacts/template';
import { getScenarioVersion, listScenarioVariables } from '../../../lib/scenarios/repository';
import { route, type Route } from '../route';

const CampaignParams = z.object({ campaignId: z.string().min(1).max(100) });
const ImportParams = CampaignParams.extend({ importId: z.string().min(1).max(100) });
const PageQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).optional(), cursor: z.string().max(2000).optional() });

/** CSV uploads of up to this many lines (and INLINE_IMPORT_BYTES) are imported within the request; larger ones by the worker, with progress. */
export const INLINE_IMPORT_ROWS = 2_000;
/** Uploads up to this size may be imported within the request. */
export const INLINE_IMPORT_BYTES = 2 * 1024 * 1024;
/** .xlsx uploads up to this size (about 3,000 rows) are imported within the request. */
export const INLINE_XLSX_BYTES = 128 * 1024;
/** An inline import that takes longer than this hands the rest to the worker and answers 202 (API Gateway gives up at 30 s). */
export const INLINE_IMPORT_MS = 8_000;
/** Lifetime of a presigned upload URL. */
export const UPLOAD_URL_SECONDS = 15 * 60;

/** The format of an uploaded file from its bytes: a zip is an .xlsx, an OLE file an old .xls (refused), anything else CSV. */
function contactFormat(body: Buffer): ContactFileFormat {
  if (body[0] === 0xd0 && body[1] === 0xcf && body[2] === 0x11 && body[3] === 0xe0) throw new ContactFileError('the file is an old Excel 97–2003 (.xls) workbook; save it as .xlsx or .csv');
  return sniffFormat(body);
}

async function* bytesOf(body: Buffer): AsyncGenerator<Uint8Array> {
  yield new Uint8Array(body);
}

/** Whether an upload is small enough to import within the request (answering with the full report). */
function importsInline(body: Buffer, format: ContactFileFormat): boolean {
  if (format === 'xlsx') return body.length <= INLINE_XLSX_BYTES;
  if (body.length > INLINE_IMPORT_BYTES) return false;
  let lines = 0;
  for (let at = body.indexOf(0x0a); at >= 0 && lines <= INLINE_IMPORT_ROWS; at = body.indexOf(0x0a, at + 1)) lines++;
  return lines <= INLINE_IMPORT_ROWS;
}
/** Contacts per API batch. */
export const MAX_BATCH = 10_000;

const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const CONTACT_FIELDS = new Set(['phone', 'name', 'honorific', 'referenceId']);

const CampaignView = Campaign.extend({
  progress: z.object({
    total: z.number(), completed: z.number(), succeeded: z.number(), failed: z.number(), cancelled: z.number(),
    notAnswered: z.number(), suspended: z.number(), notStarted: z.number(), inProgress: z.number(),
    callsPlaced: z.number(), callsAnswered: z.number(), answerRate: z.number(), jobAnswerRate: z.number(),
  }),
});
const Rejection = z.object({ row: z.number(), reason: z.string(), detail: z.string().optional(), phone: z.string().optional() });
const ImportView = z.object({
  importId: z.string(), campaignId: z.string(), source: z.string(), status: z.enum(['running', 'completed', 'failed']),
  rowsRead: z.number(), accepted: z.number(), rejected: z.number(), byReason: z.record(z.string(), z.number()),
  bytesRead: z.number().optional(), totalBytes: z.number().optional(), sample: z.array(Rejection),
  startedAt: z.string(), updatedAt: z.string(), finishedAt: z.string().optional(), error: z.string().optional(),
});
const ImportResult = ImportView.extend({ rejections: z.array(Rejection).optional() });

/**
 * The variables a scenario version's prompts need from each contact (C4); the scenario must be published.
 * A variable the scenario declares with a default is not needed: the prompt says the default when a
 * contact has no value, so a plain phone + name file is accepted.
 */
async function scenarioVariables(deps: Deps, instanceId: string, scenarioId: string, version: number): Promise<string[]> {
  const v = await getScenarioVersion(deps.store, instanceId, scenarioId, version);
  if (!v) throw new ValidationError(`scenario ${scenarioId} has no published version ${version}`, [{ path: 'scenarioVersion', message: 'not a published version' }]);
  const defaulted = new Set(v.definition.variables.filter((d) => d.default !== undefined && d.default !== '').map((d) => d.name));
  return listScenarioVariables(v.definition).filter((name) => !CONTACT_FIELDS.has(name) && !defaulted.has(name));
}

async function view(deps: Deps, instanceId: string, campaign: Campaign) {
  return { ...campaign, progress: await getProgress(deps.store, instanceId, campaign.campaignId) };
}

async function withRejections(deps: Deps, instanceId: string, report: ImportReport) {
  if (report.status === 'running' || report.rejected === 0) return report;
  const page = await listRejections(deps.store, instanceId, report.importId, { limit: 1000 });
  return { ...report, rejections: page.items };
}

const StartBody = z.object({}).optional();

/** Campaign routes (SPEC C1–C7). */
export const campaignRoutes: Route[] = [
  route({
    method: 'POST', path: '/campaigns', summary: 'Create a draft campaign (scenario version + strategy)', tags: ['campaigns'],
    body: CampaignSettings, status: 201, response: CampaignView,
    async handle(req, deps) {
      const needed = await scenarioVariables(deps, req.instanceId, req.body.scenarioId, req.body.scenarioVersion);
      const settings = { ...req.body, requiredVariables: [...new Set([...req.body.requiredVariables, ...needed])].slice(0, 50) };
      const c = await createCampaign(deps.store, req.instanceId, settings, deps.clock.now());
      await audit(deps, req.instanceId, { actor: req.principal, requestId: req.requestId, action: 'campaign.create', entity: { type: 'campaign', id: c.campaignId }, after: c });
      return { body: await view(deps, req.instanceId, c) };
    },
  }),
  route({
    method: 'GET', path: '/campaigns', summary: 'List campaigns, newest first', tags: ['campaigns'],
    query: PageQuery.extend({ state: CampaignState.optional() }),
    response: z.object({ items: z.array(Campaign), cursor: z.string().optional() }),
    async handle(req, deps) {
      return { body: await listCampaigns(deps.store, req.instanceId, req.query) };
    },
  }),
  route({
    method: 'GET', path: '/campaigns/{campaignId}', summary: 'Read a campaign with its live progress (R1)', tags: ['campaigns'],
    params: CampaignParams, response: CampaignView,
    async handle(req, deps) {
      return { body: await view(deps, req.instanceId, await getCampaign(deps.store, req.instanceId, req.params.campaignId)) };
    },
  }),
  route({
    method: 'GET', path: '/campaigns/{campaignId}/progress', summary: 'Campaign progress: completed, not answered, suspended, not started, total, answer rate (R1)', tags: ['campaigns'],
    params: CampaignParams, response: CampaignView.shape.progress,
    async handle(req, deps) {
      await getCampaign(deps.store, req.instanceId, req.params.campaignId);
      return { body: await getProgress(deps.store, req.instanceId, req.params.campaignId) };
    },
  }),
  route({
    method: 'PATCH', path: '/campaigns/{campaignId}', summary: 'Change the strategy of a draft, scheduled or paused campaign', tags: ['campaigns'],
    params: CampaignParams, body: CampaignSettingsPatch, response: CampaignView,
    async handle(req, deps) {
      const c = await updateCampaign(deps, req.instanceId, req.params.campaignId, req.body);
      return { body: await view(deps, req.instanceId, c) };
    },
  }),
  ...(['start', 'pause', 'resume', 'stop'] as const).map((action) =>
    route({
      method: 'POST', path: `/campaigns/{campaignId}/${action}`, tags: ['campaigns'],
      summary: {
        start: 'Publish a draft: run now, or schedule it for its start time or recurring plan (C2)',
        pause: 'Pause: no new calls within seconds; calls in progress finish',
        resume: 'Resume a paused campaign',
        stop: 'Stop: every job not yet dialled is cancelled',
      }[action],
      params: CampaignParams, body: StartBody, response: CampaignView,
      async handle(req, deps) {
        const fn = { start: startCampaign, pause: pauseCampaign, resume: resumeCampaign, stop: stopCampaign }[action];
        const c = await fn(deps, req.instanceId, req.params.campaignId, { principal: req.principal });
        return { body: await view(deps, req.instanceId, c) };
      },
    }),
  ),
  route({
    method: 'POST', path: '/campaigns/{campaignId}/copy', summary: 'Copy a campaign’s strategy into a new draft', tags: ['campaigns'],
    params: CampaignParams, body: CampaignSettingsPatch.optional(), status: 201, response: CampaignView,
    async handle(req, deps) {
      const c = await copyCampaign(deps, req.instanceId, req.params.campaignId, req.body ?? {});
      return { body: await view(deps, req.instanceId, c) };
    },
  }),
  route({
    method: 'POST', path: '/campaigns/{campaignId}/rerun', summary: 'Re-run: a new draft with the jobs of this campaign by outcome (C6)', tags: ['campaigns'],
    params: CampaignParams,
    body: z.object({ outcomes: z.array(RerunOutcome).min(1), overrides: CampaignSettingsPatch.optional() }),
    status: 201, response: z.object({ campaign: Campaign, importId: z.string() }),
    async handle(req, deps) {
      return { body: await rerunCampaign(deps, req.instanceId, req.params.campaignId, req.body.outcomes, req.body.overrides ?? {}) };
    },
  }),
  route({
    method: 'POST', path: '/campaigns/{campaignId}/contacts', summary: 'Add contacts: an API batch, or manual entry of numbers separated by spaces, semicolons or new lines (C3)', tags: ['contacts'],
    params: CampaignParams,
    body: z.object({
      contacts: z.array(Contact.extend({ phone: z.string().min(1).max(40) })).max(MAX_BATCH).optional(),
      numbers: z.string().max(1_000_000).optional(),
    }),
    response: ImportResult,
    async handle(req, deps) {
      const items = [
        ...(req.body.contacts ?? []),
        ...splitManualNumbers(req.body.numbers ?? '').map((phone) => ({ phone, variables: {} })),
      ];
      if (items.length === 0) throw new ValidationError('send contacts or numbers', [{ path: 'contacts', message: 'empty' }]);
      if (items.length > MAX_BATCH) throw new ValidationError(`at most ${MAX_BATCH} contacts per batch`, [{ path: 'contacts', message: 'too many' }]);
      const settings = await getInstanceSettings(deps.store, req.instanceId);
      const campaign = await getCampaign(deps.store, req.instanceId, req.params.campaignId);
      const report = await beginImport(deps, req.instanceId, campaign.campaignId, req.body.contacts ? 'api' : 'manual');
      const final = await runImport(deps, report, { kind: 'contacts', contacts: fromArray(items.map((contact, i) => ({ row: i + 1, contact }))) }, {
        // Manual entry is checked like any other source: a number without the variables the prompts need is rejected, not called.
        instanceId: req.instanceId, defaultRegion: settings.defaultRegion, requiredVariables: campaign.requiredVariables,
      });
      return { body: await withRejections(deps, req.instanceId, final) };
    },
  }),
  route({
    method: 'POST', path: '/campaigns/{campaignId}/imports',
    summary: 'Upload a .xlsx or .csv contact file (raw body or multipart/form-data); small files are imported at once, larger ones answer 202 with the import id and continue in the background (C4)', tags: ['contacts'],
    params: CampaignParams, query: z.object({ filename: z.string().max(300).optional() }),
    rawBody: { contentTypes: [XLSX_TYPE, 'text/csv', 'application/csv', 'text/plain', 'text/tab-separated-values', 'application/vnd.ms-excel', 'application/octet-stream', 'multipart/form-data'] },
    response: ImportResult,
    async handle(req, deps) {
      let body = req.rawBody ?? Buffer.alloc(0);
      let filename = req.query.filename;
      const contentType = req.headers['content-type'] ?? '';
      if (contentType.toLowerCase().startsWith('multipart/form-data')) {
        const file = formFile(parseMultipart(body, contentType));
        body = file.body;
        filename ??= file.filename;
      }
      if (body.length === 0) throw new ValidationError('send the file as the request body or as the form field "file"', [{ path: '(body)', message: 'empty' }]);
      // The bytes decide (an .xlsx is a zip whatever its label; Windows labels .csv as application/vnd.ms-excel).
      const format = contactFormat(body);
      if (format === 'csv' && (formatOf(filename ?? '') === 'xlsx' || contentType.toLowerCase().includes('spreadsheetml'))) {
        throw new ContactFileError('the file is labelled .xlsx but is not an .xlsx workbook (an .xlsx file is a zip archive): it is damaged or of another kind');
      }
      const inline = importsInline(body, format);
      // A small file is read once before anything is written, so an unreadable one is a 400 that leaves no trace.
      if (inline) for await (const _ of fileRows(format, bytesOf(body)));
      const settings = await getInstanceSettings(deps.store, req.instanceId);
      const campaign = await getCampaign(deps.store, req.instanceId, req.params.campaignId);
      const importId = newId('imp_', deps.clock.now());
      const blobKey = `imports/${req.instanceId}/${campaign.campaignId}/${importId}.${format}`;
      await deps.blobs.data.put(blobKey, body, format === 'xlsx' ? XLSX_TYPE : 'text/csv');
      const report = await beginImport(deps, req.instanceId, campaign.campaignId, format, { importId, totalBytes: body.length, blobKey });
      const work = { type: 'import' as const, instanceId: req.instanceId, campaignId: campaign.campaignId, importId, blobKey, format };
      if (!inline) {
        await deps.queues.work.send({ body: JSON.stringify(work) });
        return { status: 202, body: report };
      }
      const started = performance.now();
      const final = await runImport(deps, report, { kind: 'rows', rows: fileRows(format, bytesOf(body)) }, {
        instanceId: req.instanceId, defaultRegion: settings.defaultRegion, requiredVariables: campaign.requiredVariables, bytesRead: () => body.length,
        timeLeft: () => INLINE_IMPORT_MS - (performance.now() - started),
      });
      if (final.paused) {
        // Slower than expected: the worker resumes after the last committed chunk; the caller polls the import.
        if (final.paused === 'deadline') await deps.queues.work.send({ body: JSON.stringify(work) });
        return { status: 202, body: final };
      }
      if (final.status === 'failed') throw new ContactFileError(final.error ?? 'the file cannot be read');
      return { body: await withRejections(deps, req.instanceId, final) };
    },
  }),
  route({
    method: 'GET', path: '/campaigns/{campaignId}/imports', summary: 'The campaign’s contact imports, newest first, with their progress', tags: ['contacts'],
    params: CampaignParams, query: PageQuery, response: z.object({ items: z.array(ImportView), cursor: z.string().optional() }),
    async handle(req, deps) {
      await getCampaign(deps.store, req.instanceId, req.params.campaignId);
      return { body: await listImports(deps.store, req.instanceId, req.params.campaignId, req.query) };
    },
  }),
  route({
    method: 'POST', path: '/campaigns/{campaignId}/imports/uploads',
    summary: 'Start a large contact import: a presigned URL to PUT the .csv or .xlsx file to; the import starts when the file lands (C4)', tags: ['contacts'],
    params: CampaignParams,
    body: z.object({ filename: z.string().min(1).max(300).optional(), format: z.enum(['csv', 'xlsx']).optional() }).optional(),
    status: 201,
    response: z.object({
      importId: z.string(), key: z.string(), format: z.enum(['csv', 'xlsx']),
      upload: z.object({ url: z.string(), method: z.literal('PUT'), headers: z.record(z.string(), z.string()), expiresAt: z.string() }),
    }),
    async handle(req, deps) {
      const campaign = await getCampaign(deps.store, req.instanceId, req.params.campaignId);
      if (!ACCEPTS_CONTACTS.includes(campaign.state)) throw new ConflictError(`contacts cannot be added to a ${campaign.state} campaign`, { campaignId: campaign.campaignId, state: campaign.state });
      const format = req.body?.format ?? (req.body?.filename ? formatOf(req.body.filename) : undefined) ?? 'csv';
      const importId = newId('imp_', deps.clock.now());
      const key = uploadKey(req.instanceId, campaign.campaignId, importId, format);
      const upload = await deps.blobs.data.presignPut(key, { expiresInSeconds: UPLOAD_URL_SECONDS, contentType: format === 'xlsx' ? XLSX_TYPE : 'text/csv' });
      return { body: { importId, key, format, upload } };
    },
  }),
  route({
    method: 'GET', path: '/campaigns/{campaignId}/imports/{importId}', summary: 'Progress and result of a contact import', tags: ['contacts'],
    params: ImportParams, response: ImportView,
    async handle(req, deps) {
      await getCampaign(deps.store, req.instanceId, req.params.campaignId);
      const report = await getImport(deps.store, req.instanceId, req.params.campaignId, req.params.importId);
      if (!report) throw new NotFoundError('import', req.params.importId);
      return { body: report };
    },
  }),
  route({
    method: 'GET', path: '/campaigns/{campaignId}/imports/{importId}/rejections', summary: 'Rejected rows of an import, row by row, with reasons', tags: ['contacts'],
    params: ImportParams, query: PageQuery, response: z.object({ items: z.array(Rejection), cursor: z.string().optional() }),
    async handle(req, deps) {
      await getCampaign(deps.store, req.instanceId, req.params.campaignId);
      return { body: await listRejections(deps.store, req.instanceId, req.params.importId, req.query) };
    },
  }),
  route({
    method: 'GET', path: '/campaigns/{campaignId}/contacts/template', summary: 'Download the contact template (.csv or .xlsx) with this campaign’s variables', tags: ['contacts'],
    params: CampaignParams, query: z.object({ format: z.enum(['csv', 'xlsx']).default('xlsx') }),
    async handle(req, deps) {
      const c = await getCampaign(deps.store, req.instanceId, req.params.campaignId);
      if (req.query.format === 'csv') {
        return { body: csvTemplate(c.requiredVariables), headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': 'attachment; filename="contacts.csv"' } };
      }
      return { body: await xlsxTemplate(c.requiredVariables), headers: { 'content-type': XLSX_TYPE, 'content-disposition': 'attachment; filename="contacts.xlsx"' } };
    },
  }),
  route({
    method: 'GET', path: '/campaigns/{campaignId}/suspended', summary: 'The campaign’s suspend list (C5)', tags: ['campaigns'],
    params: CampaignParams, query: PageQuery,
    response: z.object({ items: z.array(z.object({ phone: z.string(), addedAt: z.string() })), cursor: z.string().optional() }),
    async handle(req, deps) {
      await getCampaign(deps.store, req.instanceId, req.params.campaignId);
      return { body: await listSuspended(deps.store, req.instanceId, req.params.campaignId, req.query) };
    },
  }),
  route({
    method: 'POST', path: '/campaigns/{campaignId}/suspended', summary: 'Suspend numbers: their jobs not yet dialled are cancelled and never redialled (C5)', tags: ['campaigns'],
    params: CampaignParams, body: z.object({ numbers: z.array(z.string().min(1).max(40)).min(1).max(10_000) }),
    response: z.object({ added: z.number(), jobsCancelled: z.number(), rejected: z.array(z.object({ value: z.string(), reason: z.string() })) }),
    async handle(req, deps) {
      const c = await getCampaign(deps.store, req.instanceId, req.params.campaignId);
      if (!['draft', 'scheduled', 'running', 'paused'].includes(c.state)) throw new ValidationError(`a ${c.state} campaign has no suspend list to change`, [{ path: 'campaignId', message: c.state }]);
      const settings = await getInstanceSettings(deps.store, req.instanceId);
      const result = await suspendNumbers(deps, req.instanceId, c.campaignId, req.body.numbers, settings.defaultRegion);
      await audit(deps, req.instanceId, { actor: req.principal, requestId: req.requestId, action: 'campaign.suspend', entity: { type: 'campaign', id: c.campaignId }, details: { added: result.added, jobsCancelled: result.jobsCancelled } });
      return { body: result };
    },
  }),
  route({
    method: 'DELETE', path: '/campaigns/{campaignId}/suspended', summary: 'Remove numbers from the suspend list', tags: ['campaigns'],
    params: CampaignParams, body: z.object({ numbers: z.array(z.string().min(1).max(40)).min(1).max(10_000) }),
    response: z.object({ removed: z.number() }),
    async handle(req, deps) {
      await getCampaign(deps.store, req.instanceId, req.params.campaignId);
      const settings = await getInstanceSettings(deps.store, req.instanceId);
      return { body: { removed: await unsuspendNumbers(deps.store, req.instanceId, req.params.campaignId, req.body.numbers, settings.defaultRegion) } };
    },
  }),
];
