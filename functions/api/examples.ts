/**
 * One worked example per route for the OpenAPI document (E3): a request (path parameters, query, body or
 * file) and its success answer. Keyed by `METHOD /path` so routes owned by other modules need not change;
 * `test/functions/api/openapi.test.ts` fails when a route has no example or an example does not match
 * the route's own zod schemas.
 */

import { RESULT_ROUTE_EXAMPLES } from './examples-results';

/** A worked example of one route. */
export interface RouteExample {
  params?: Record<string, string>;
  query?: Record<string, string>;
  body?: unknown;
  /** A non-JSON request body (uploads). */
  file?: { contentType: string; text: string };
  /** The success answer (JSON); absent for 204 answers. */
  response?: unknown;
  /** A non-JSON success answer (downloads). */
  download?: { contentType: string; text: string };
  /** Content types of a download, for routes that do not declare `produces`. */
  produces?: string[];
}

const at = '2026-01-05T09:00:00.000Z';
const scenarioId = 'scn_01KE6P4YM0J1HQP23RN5X5FEW6';
const campaignId = 'cmp_01KE6P4YM09TZNVEB9MX6ZH5NP';
const jobId = 'job_01KE6P4YM08TMR0801A0FJJ6EQ';
const importId = 'imp_01KE6P4YM0AXK0VQGCDF5QB8KT';
const callId = 'call_01KE6P5Q1B3ZK6Y8W0M2D4T7HF';
const instanceId = 'in_01KE6P4YM0C4Q8W2E6R9T1Y3UJ';

const settings = {
  defaultRegion: 'US',
  timeZone: 'America/Los_Angeles',
  maxConcurrency: 10,
  windows: { ranges: [{ start: '09:00', end: '18:00' }], weekdaysOnly: true, calleeLocalTime: false },
  dailyCapPerCallee: 3,
  delayBeforeFirstPromptMs: 300,
  noRedialEmptyNumbers: true,
  callerNumbers: [{ phoneNumber: '+14155550900', periodSeconds: 60 }],
};
const instance = { instanceId, name: 'Clinic reminders', settings, createdAt: at, updatedAt: at, version: 2 };

const definition = {
  name: 'Appointment reminder',
  voice: { language: 'en', delayAfterAnswerMs: 300 },
  startNode: 'remind',
  variables: [{ name: 'time', default: 'tomorrow' }],
  nodes: [
    { id: 'remind', kind: 'say', prompt: { text: 'Hello @name, your appointment is @time.' }, next: 'bye' },
    { id: 'bye', kind: 'action', action: 'hangUp', prompt: { text: 'Goodbye.' } },
  ],
};
const scenario = { scenarioId, name: definition.name, status: 'published', draft: definition, revision: 2, publishedVersion: 1, latestVersion: 1, createdAt: at, updatedAt: at };
const version = { scenarioId, version: 1, definition, publishedAt: at };

const strategy = {
  name: 'January reminders',
  scenarioId,
  scenarioVersion: 1,
  priority: 'normal',
  guaranteedConcurrency: 0,
  start: { mode: 'now' },
  retry: { retries: 2, intervalSeconds: 1800, intervalByStatus: {}, neverRedial: ['EmptyNumber', 'NotExist', 'OutOfService', 'InArrears'], maxRingSeconds: 45 },
  callerNumbers: [],
  localPresence: true,
  requiredVariables: [],
};
const campaign = { ...strategy, campaignId, instanceId, state: 'draft', run: 0, createdAt: at, updatedAt: at, importsRunning: 0, version: 1 };
const progress = {
  total: 2, completed: 0, succeeded: 0, failed: 0, cancelled: 0, notAnswered: 0, suspended: 0, notStarted: 2, inProgress: 0,
  callsPlaced: 0, callsAnswered: 0, answerRate: 0, jobAnswerRate: 0,
};
const campaignView = { ...campaign, progress };
const running = { ...campaignView, state: 'running', run: 1, startedAt: at, version: 2 };
const importReport = {
  importId, campaignId, source: 'api', status: 'completed', rowsRead: 2, accepted: 1, rejected: 1, byReason: { InvalidNumber: 1 },
  sample: [{ row: 2, reason: 'InvalidNumber', detail: 'not a valid phone number', phone: '12' }], startedAt: at, updatedAt: at, finishedAt: at,
};
const job = {
  jobId, campaignId, instanceId, contact: { phone: '+14155550101', name: 'Ann', referenceId: 'PT-1001', variables: { time: 'Monday 10 am' } },
  status: 'Scheduling', dialState: 'idle', attempts: 0, tries: 0, finishedAttempt: 0, dueAt: 1767603600000, answered: false, tags: {},
  createdAt: at, updatedAt: at, systemAttempts: 0,
};
const call = {
  callId, instanceId, campaignId, jobId, attempt: 1, caller: '+14155550900', callee: '+14155550101', referenceId: 'PT-1001',
  dialledAt: '2026-01-05T09:00:02.000Z', answeredAt: '2026-01-05T09:00:09.000Z', endedAt: '2026-01-05T09:00:41.000Z',
  ringSeconds: 7, talkSeconds: 32, turns: 2, answered: true, completed: true, transferred: false, hangupParty: 'robot', status: 'Succeeded',
  tags: { heard: 'full' }, noMatchHangup: false,
};
const grant = { principal: 'arn:aws:iam::123456789012:role/BillingService', instances: [instanceId], admin: false };

/** Examples by `METHOD /path`. */
export const ROUTE_EXAMPLES: Record<string, RouteExample> = {
  ...RESULT_ROUTE_EXAMPLES,
  'GET /health': { response: { status: 'ok', version: '0.1.0', time: at } },
  'GET /openapi.json': { response: { openapi: '3.1.0', info: { title: 'Reachout API', version: '0.1.0' }, paths: {} } },
  'GET /instance': { response: instance },
  'PATCH /instance': { body: { settings: { maxConcurrency: 20 } }, response: { ...instance, settings: { ...settings, maxConcurrency: 20 }, version: 3 } },
  'GET /instance/stats': { response: { callsPlaced: 1520, minutesTalked: 611.5, version: 2, serviceVersion: '0.1.0' } },
  'GET /instances/{instanceId}': { params: { instanceId }, response: instance },
  'POST /instances': { body: { name: 'Clinic reminders' }, response: { instance, apiKey: 'ro_3q2+7w…(shown once)' } },

  'GET /scenarios': { query: { limit: '20' }, response: { items: [{ scenarioId, name: definition.name, status: 'published', revision: 2, publishedVersion: 1, latestVersion: 1, createdAt: at, updatedAt: at, language: 'en' }] } },
  'POST /scenarios': { body: definition, response: { ...scenario, status: 'draft', revision: 1, publishedVersion: undefined, latestVersion: 0 } },
  'GET /scenarios/{scenarioId}': { params: { scenarioId }, response: scenario },
  'PUT /scenarios/{scenarioId}': { params: { scenarioId }, body: { definition, revision: 2 }, response: { ...scenario, status: 'publishedEdited', revision: 3 } },
  'DELETE /scenarios/{scenarioId}': { params: { scenarioId } },
  'POST /scenarios/{scenarioId}/publish': { params: { scenarioId }, body: { revision: 2 }, response: { scenario, version } },
  'GET /scenarios/{scenarioId}/versions': { params: { scenarioId }, response: { items: [{ scenarioId, version: 1, publishedAt: at, name: definition.name }] } },
  'GET /scenarios/{scenarioId}/versions/{version}': { params: { scenarioId, version: '1' }, response: version },
  'POST /scenarios/{scenarioId}/rollback': { params: { scenarioId }, body: { version: 1 }, response: { scenario: { ...scenario, publishedVersion: 2, latestVersion: 2 }, version: { ...version, version: 2, rolledBackFrom: 1 } } },
  'POST /scenarios/{scenarioId}/copy': { params: { scenarioId }, body: { name: 'Appointment reminder (copy)' }, response: { ...scenario, scenarioId: 'scn_01KE6P6B5N2W8X4Z7Q1R3T5V7Y', name: 'Appointment reminder (copy)', status: 'draft', revision: 1, publishedVersion: undefined, latestVersion: 0 } },
  'GET /scenarios/{scenarioId}/export': { params: { scenarioId }, query: { version: '1' }, response: { format: 'reachout.scenario', schemaVersion: 1, exportedAt: at, source: { scenarioId, version: 1 }, definition } },
  'POST /scenarios/import': { body: { format: 'reachout.scenario', schemaVersion: 1, exportedAt: at, source: { scenarioId, version: 1 }, definition }, response: { ...scenario, status: 'draft', revision: 1, publishedVersion: undefined, latestVersion: 0 } },
  'GET /templates': { response: { items: [{ templateId: 'notification', title: { en: 'Notification broadcast', zh: '通知播报' }, description: { en: 'Reads a notice', zh: '播报通知' }, languages: ['en', 'zh'] }] } },
  'POST /templates/{templateId}/instantiate': { params: { templateId: 'notification' }, body: { language: 'en' }, response: { ...scenario, status: 'draft', revision: 1, publishedVersion: undefined, latestVersion: 0 } },
  'POST /scenarios/{scenarioId}/debug': {
    params: { scenarioId },
    body: { input: { type: 'start' }, variables: { name: 'Ann' } },
    response: {
      state: {
        v: 1, scenario: `${instanceId}/${scenarioId}#r2`, node: 'bye', phase: 'ended', noMatch: {}, silence: {}, variant: {}, tags: {}, completed: false,
        inputs: 0, turns: 2, ended: { party: 'robot', nodeId: 'bye', reason: 'node' },
      },
      hitNode: 'bye',
      tags: {},
      completed: false,
      over: true,
      commands: [
        { type: 'say', nodeId: 'remind', text: 'Hello Ann, your appointment is tomorrow.', bargeIn: false, language: 'en-US' },
        { type: 'say', nodeId: 'bye', text: 'Goodbye.', bargeIn: false, language: 'en-US' },
        { type: 'hangUp', nodeId: 'bye', reason: 'node' },
      ],
    },
  },

  'GET /calls': { query: { phone: '(415) 555-0101', from: '2026-01-01T00:00:00Z', limit: '50' }, response: { items: [{ ...call, jobStatus: 'Succeeded', contactName: 'Ann' }], examined: 1 } },
  'GET /calls/{callId}': { params: { callId }, response: call },
  'GET /calls/{callId}/transcript': {
    params: { callId },
    response: {
      callId,
      turns: [
        { callId, index: 0, time: '2026-01-05T09:00:09.500Z', nodeId: 'remind', prompt: 'Hello Ann, your appointment is Monday 10 am.', outcome: 'prompt' },
        { callId, index: 1, time: '2026-01-05T09:00:15.000Z', nodeId: 'bye', prompt: 'Goodbye.', outcome: 'prompt' },
      ],
    },
  },
  'GET /calls/{callId}/recording': { params: { callId }, response: { callId, url: 'https://recordings.example/…?X-Amz-Signature=…', expiresAt: '2026-01-05T09:05:00.000Z', contentType: 'audio/wav' } },

  'POST /campaigns': { body: { name: 'January reminders', scenarioId, scenarioVersion: 1 }, response: campaignView },
  'GET /campaigns': { query: { state: 'running', limit: '20' }, response: { items: [running] } },
  'GET /campaigns/{campaignId}': { params: { campaignId }, response: campaignView },
  'GET /campaigns/{campaignId}/progress': { params: { campaignId }, response: progress },
  'PATCH /campaigns/{campaignId}': { params: { campaignId }, body: { description: 'Second wave' }, response: { ...campaignView, description: 'Second wave', version: 2 } },
  'POST /campaigns/{campaignId}/start': { params: { campaignId }, body: {}, response: running },
  'POST /campaigns/{campaignId}/pause': { params: { campaignId }, body: {}, response: { ...running, state: 'paused', version: 3 } },
  'POST /campaigns/{campaignId}/resume': { params: { campaignId }, body: {}, response: { ...running, run: 2, version: 4 } },
  'POST /campaigns/{campaignId}/stop': { params: { campaignId }, body: {}, response: { ...running, state: 'stopped', finishedAt: at, version: 5 } },
  'POST /campaigns/{campaignId}/copy': { params: { campaignId }, body: { name: 'February reminders' }, response: { ...campaignView, campaignId: 'cmp_01KE6P7D9K3M5N7P9R1T3V5X7Z', name: 'February reminders', sourceCampaignId: campaignId } },
  'POST /campaigns/{campaignId}/rerun': { params: { campaignId }, body: { outcomes: ['failed', 'noInteraction'] }, response: { campaign: { ...campaign, campaignId: 'cmp_01KE6P8F2H4J6L8N0Q2S4U6W8Y', name: 'January reminders (re-run)', sourceCampaignId: campaignId, importsRunning: 1 }, importId } },
  'POST /campaigns/{campaignId}/contacts': {
    params: { campaignId },
    body: { contacts: [{ phone: '(415) 555-0101', name: 'Ann', referenceId: 'PT-1001', variables: { time: 'Monday 10 am' } }, { phone: '12', variables: {} }] },
    response: { ...importReport, rejections: importReport.sample },
  },
  'POST /campaigns/{campaignId}/imports': {
    params: { campaignId },
    query: { filename: 'contacts.csv' },
    file: { contentType: 'text/csv', text: 'phone,name,time\n(415) 555-0101,Ann,Monday 10 am\n12,Bad,\n' },
    response: { ...importReport, source: 'csv', bytesRead: 60, totalBytes: 60, rejections: importReport.sample },
  },
  'POST /campaigns/{campaignId}/imports/uploads': {
    params: { campaignId },
    body: { filename: 'patients.xlsx' },
    response: {
      importId, key: `uploads/${instanceId}/${campaignId}/${importId}.xlsx`, format: 'xlsx',
      upload: {
        url: `https://reachout-data.s3.us-east-1.amazonaws.com/uploads/${instanceId}/${campaignId}/${importId}.xlsx?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=3600&X-Amz-Signature=...`,
        method: 'PUT', headers: { 'content-type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' }, expiresAt: '2026-01-05T10:00:00.000Z',
      },
    },
  },
  'GET /campaigns/{campaignId}/imports': { params: { campaignId }, response: { items: [importReport] } },
  'GET /campaigns/{campaignId}/imports/{importId}': { params: { campaignId, importId }, response: importReport },
  'GET /campaigns/{campaignId}/imports/{importId}/rejections': { params: { campaignId, importId }, response: { items: importReport.sample } },
  'GET /campaigns/{campaignId}/contacts/template': {
    params: { campaignId },
    query: { format: 'csv' },
    download: { contentType: 'text/csv', text: 'phone,name,honorific,referenceId,time\n' },
    produces: ['text/csv', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
  },
  'GET /campaigns/{campaignId}/suspended': { params: { campaignId }, response: { items: [{ phone: '+14155550101', addedAt: at }] } },
  'POST /campaigns/{campaignId}/suspended': { params: { campaignId }, body: { numbers: ['(415) 555-0101'] }, response: { added: 1, jobsCancelled: 1, rejected: [] } },
  'DELETE /campaigns/{campaignId}/suspended': { params: { campaignId }, body: { numbers: ['(415) 555-0101'] }, response: { removed: 1 } },

  'GET /campaigns/{campaignId}/jobs': { params: { campaignId }, query: { status: 'Scheduling', limit: '50' }, response: { items: [job] } },
  'GET /jobs': { query: { phone: '(415) 555-0101' }, response: { items: [job] } },
  'GET /campaigns/{campaignId}/jobs/{jobId}': { params: { campaignId, jobId }, response: { ...job, calls: [call] } },

  'GET /lists/{list}': { params: { list: 'do-not-call' }, response: { items: [{ phone: '+14155550199', addedAt: at, note: 'asked not to be called' }] } },
  'POST /lists/{list}': { params: { list: 'do-not-call' }, body: { numbers: ['(415) 555-0199', 'nope'], note: 'asked not to be called' }, response: { added: 1, rejected: [{ value: 'nope', reason: 'InvalidNumber' }] } },
  'DELETE /lists/{list}': { params: { list: 'do-not-call' }, body: { numbers: ['(415) 555-0199'] }, response: { removed: 1 } },
  'POST /lists/{list}/import': { params: { list: 'allow' }, file: { contentType: 'text/csv', text: 'phone\n4155550111\n4155550112\n' }, response: { added: 2, rejected: [] } },

  'GET /principals': { response: { items: [grant] } },
  'PUT /principals': { body: grant, response: grant },
  'DELETE /principals': { query: { principal: grant.principal } },
};

/** The error answer used as the example of every error response. */
export const ERROR_EXAMPLE = {
  error: {
    code: 'ValidationError',
    message: 'invalid body: body.contacts.1.phone: Invalid input: expected string, received number',
    details: [{ path: 'body.contacts.1.phone', message: 'Invalid input: expected string, received number' }],
    requestId: 'Xk3vZjR1IAMEVzA=',
  },
};

/** The first example a schema carries in `.meta({ examples })`. */
const metaExampleOf = (schema: unknown): unknown => (schema as { meta?: () => { examples?: unknown[] } | undefined } | undefined)?.meta?.()?.examples?.[0];

const webhookId = 'W01JH3QF6G8H0J2K4M6N8P0Q2R';
const WEBHOOK_REQUESTS: Record<string, Omit<RouteExample, 'response'>> = {
  'GET /webhooks': {},
  'POST /webhooks': { body: { url: 'https://crm.example.com/reachout/events', eventTypes: ['CallFinished', 'JobComplete'], description: 'CRM sync' } },
  'GET /webhooks/{webhookId}': { params: { webhookId } },
  'PATCH /webhooks/{webhookId}': { params: { webhookId }, body: { eventTypes: ['JobComplete'], version: 1 } },
  'DELETE /webhooks/{webhookId}': { params: { webhookId } },
  'POST /webhooks/{webhookId}/rotate-secret': { params: { webhookId }, body: { graceSeconds: 3600 } },
  'POST /webhooks/{webhookId}/pause': { params: { webhookId } },
  'POST /webhooks/{webhookId}/resume': { params: { webhookId } },
  'GET /webhooks/{webhookId}/deliveries': { params: { webhookId }, query: { limit: '20' } },
  'GET /webhooks/{webhookId}/dead-letters': { params: { webhookId }, query: { limit: '20' } },
  'POST /webhooks/{webhookId}/redeliver': { params: { webhookId }, body: { limit: 100 } },
  'GET /audit': { query: { from: '2026-01-05T00:00:00.000Z', to: '2026-01-06T00:00:00.000Z', entityType: 'scenario', action: 'scenario.' } },
};

/**
 * Examples of routes whose answers carry their examples in their schemas (`.meta({ examples })`): the
 * request parts above, the answer from the route's own response schema.
 */
export function withSchemaExamples(routes: readonly { method: string; path: string; response?: unknown }[]): void {
  for (const r of routes) {
    const key = `${r.method} ${r.path}`;
    const request = WEBHOOK_REQUESTS[key];
    if (!request || ROUTE_EXAMPLES[key]) continue;
    const response = metaExampleOf(r.response);
    ROUTE_EXAMPLES[key] = { ...request, ...(response !== undefined ? { response } : {}) };
  }
}

