import * as z from 'zod';
import { audit } from '../../../lib/audit';
import { NotFoundError, ValidationError } from '../../../lib/core/errors';
import { compileCached, DialogState, isDialogOver, parseDialogState, startDialog, transition } from '../../../lib/dialog/engine';
import type { DialogCommand, DialogEvent } from '../../../lib/dialog/types';
import {
  copyScenario,
  createScenario,
  deleteScenario,
  exportScenario,
  getScenario,
  getScenarioVersion,
  importScenario,
  listScenarios,
  listVersions,
  publishScenario,
  rollbackScenario,
  updateDraft,
} from '../../../lib/scenarios/repository';
import { Scenario, ScenarioDefinition, ScenarioVersion } from '../../../lib/scenarios/schema';
import { getTemplate, TEMPLATES } from '../../../lib/scenarios/templates/index';
import { route, type Route } from '../route';

const Params = z.object({ scenarioId: z.string().min(1).max(100) });
const VersionParams = Params.extend({ version: z.coerce.number().int().min(1) });
const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(2000).optional(),
});
const Language = z.enum(['en', 'zh']);
/** A scenario definition is stored as one item (the draft in the head, each version in its own); DynamoDB items are ≤ 400 KB. */
export const MAX_SCENARIO_BYTES = 300 * 1024;
const tags = ['scenarios'];

/** What the audit trail keeps of a scenario (definitions are too large to keep whole). */
const audited = (s: Scenario) => ({ name: s.name, status: s.status, revision: s.revision, publishedVersion: s.publishedVersion, latestVersion: s.latestVersion });

const Summary = Scenario.omit({ draft: true }).extend({ language: Language });
const VersionSummary = ScenarioVersion.omit({ definition: true }).extend({ name: z.string() });
const Published = z.object({ scenario: Scenario, version: ScenarioVersion });
const ExportBody = z.object({
  format: z.literal('reachout.scenario'),
  schemaVersion: z.literal(1),
  exportedAt: z.string(),
  source: z.object({ scenarioId: z.string(), version: z.number().int().optional() }),
  definition: ScenarioDefinition,
});

const DebugBody = z.object({
  /** Version to run; the draft when absent. */
  version: z.number().int().min(1).optional(),
  /** State returned by the previous step; absent with input `start`. */
  state: z.unknown().optional(),
  input: z.discriminatedUnion('type', [
    z.object({ type: z.literal('start') }),
    z.object({ type: z.literal('text'), text: z.string().max(2000), confidence: z.number().min(0).max(1).optional() }),
    z.object({ type: z.literal('digits'), digits: z.string().regex(/^[0-9*#]{1,20}$/) }),
    z.object({ type: z.literal('silence') }),
    z.object({ type: z.literal('hangup') }),
  ]),
  variables: z.record(z.string(), z.string()).default({}),
});
const DebugResponse = z.object({
  state: DialogState,
  /** The node the dialog reached. */
  hitNode: z.string(),
  /** The node whose question the input answered. */
  answeredAt: z.string().optional(),
  intent: z.string().optional(),
  score: z.number().optional(),
  tags: z.record(z.string(), z.string()),
  completed: z.boolean(),
  over: z.boolean(),
  commands: z.array(z.record(z.string(), z.unknown())),
});

/** Scenario routes (S10 lifecycle, S12 flow debug, S14 templates). */
export const scenarioRoutes: Route[] = [
  route({
    method: 'GET',
    path: '/scenarios',
    summary: 'List scenarios with their lifecycle state (draft, published, published (edited))',
    tags,
    query: PageQuery,
    response: z.object({ items: z.array(Summary), cursor: z.string().optional() }),
    async handle(req, deps) {
      return { body: await listScenarios(deps.store, req.instanceId, req.query) };
    },
  }),
  route({
    method: 'POST',
    path: '/scenarios',
    summary: 'Create a scenario draft',
    tags,
    body: ScenarioDefinition,
    maxBodyBytes: MAX_SCENARIO_BYTES,
    status: 201,
    response: Scenario,
    async handle(req, deps) {
      const created = await createScenario(deps.store, req.instanceId, req.body, deps.clock.now());
      await audit(deps, req.instanceId, { actor: req.principal, requestId: req.requestId, action: 'scenario.create', entity: { type: 'scenario', id: created.scenarioId }, after: audited(created) });
      return { status: 201, body: created };
    },
  }),
  route({
    method: 'GET',
    path: '/scenarios/{scenarioId}',
    summary: 'Read a scenario: its draft and lifecycle pointers',
    tags,
    params: Params,
    response: Scenario,
    async handle(req, deps) {
      return { body: await getScenario(deps.store, req.instanceId, req.params.scenarioId) };
    },
  }),
  route({
    method: 'PUT',
    path: '/scenarios/{scenarioId}',
    summary: 'Replace the draft (send `revision` to detect concurrent edits: 409 when it moved)',
    tags,
    params: Params,
    body: z.object({ definition: ScenarioDefinition, revision: z.number().int().optional() }),
    maxBodyBytes: MAX_SCENARIO_BYTES,
    response: Scenario,
    async handle(req, deps) {
      const saved = await updateDraft(deps.store, req.instanceId, req.params.scenarioId, req.body.definition, deps.clock.now(), req.body.revision);
      await audit(deps, req.instanceId, { actor: req.principal, requestId: req.requestId, action: 'scenario.save', entity: { type: 'scenario', id: saved.scenarioId }, after: audited(saved) });
      return { body: saved };
    },
  }),
  route({
    method: 'DELETE',
    path: '/scenarios/{scenarioId}',
    summary: 'Delete a scenario and its versions',
    tags,
    params: Params,
    status: 204,
    async handle(req, deps) {
      await deleteScenario(deps.store, req.instanceId, req.params.scenarioId);
      await audit(deps, req.instanceId, { actor: req.principal, requestId: req.requestId, action: 'scenario.delete', entity: { type: 'scenario', id: req.params.scenarioId } });
      return { status: 204 };
    },
  }),
  route({
    method: 'POST',
    path: '/scenarios/{scenarioId}/publish',
    summary: 'Validate the draft and publish it as a new immutable version (400 lists each node and problem)',
    tags,
    params: Params,
    body: z.object({ revision: z.number().int().optional() }).default({}),
    response: Published,
    async handle(req, deps) {
      const published = await publishScenario(deps.store, req.instanceId, req.params.scenarioId, deps.clock.now(), req.body.revision);
      await audit(deps, req.instanceId, {
        actor: req.principal,
        requestId: req.requestId,
        action: 'scenario.publish',
        entity: { type: 'scenario', id: req.params.scenarioId },
        after: audited(published.scenario),
        details: { version: published.version.version },
      });
      return { body: published };
    },
  }),
  route({
    method: 'GET',
    path: '/scenarios/{scenarioId}/versions',
    summary: 'Version history, newest first',
    tags,
    params: Params,
    query: PageQuery,
    response: z.object({ items: z.array(VersionSummary), cursor: z.string().optional() }),
    async handle(req, deps) {
      return { body: await listVersions(deps.store, req.instanceId, req.params.scenarioId, req.query) };
    },
  }),
  route({
    method: 'GET',
    path: '/scenarios/{scenarioId}/versions/{version}',
    summary: 'Read one published version',
    tags,
    params: VersionParams,
    response: ScenarioVersion,
    async handle(req, deps) {
      await getScenario(deps.store, req.instanceId, req.params.scenarioId);
      const v = await getScenarioVersion(deps.store, req.instanceId, req.params.scenarioId, req.params.version);
      if (!v) throw new NotFoundError('scenario version', `${req.params.scenarioId}@${req.params.version}`);
      return { body: v };
    },
  }),
  route({
    method: 'POST',
    path: '/scenarios/{scenarioId}/rollback',
    summary: 'Roll back: publish an earlier version again as a new version, and reset the draft to it',
    tags,
    params: Params,
    body: z.object({ version: z.number().int().min(1) }),
    response: Published,
    async handle(req, deps) {
      const rolled = await rollbackScenario(deps.store, req.instanceId, req.params.scenarioId, req.body.version, deps.clock.now());
      await audit(deps, req.instanceId, {
        actor: req.principal,
        requestId: req.requestId,
        action: 'scenario.rollback',
        entity: { type: 'scenario', id: req.params.scenarioId },
        after: audited(rolled.scenario),
        details: { to: req.body.version, version: rolled.version.version },
      });
      return { body: rolled };
    },
  }),
  route({
    method: 'POST',
    path: '/scenarios/{scenarioId}/copy',
    summary: 'Copy the draft into a new scenario',
    tags,
    params: Params,
    body: z.object({ name: z.string().min(1).max(200).optional() }).default({}),
    status: 201,
    response: Scenario,
    async handle(req, deps) {
      const copy = await copyScenario(deps.store, req.instanceId, req.params.scenarioId, deps.clock.now(), req.body.name);
      await audit(deps, req.instanceId, {
        actor: req.principal,
        requestId: req.requestId,
        action: 'scenario.copy',
        entity: { type: 'scenario', id: copy.scenarioId },
        after: audited(copy),
        details: { from: req.params.scenarioId },
      });
      return { status: 201, body: copy };
    },
  }),
  route({
    method: 'GET',
    path: '/scenarios/{scenarioId}/export',
    summary: 'Export the draft (or `?version=`) as JSON',
    tags,
    params: Params,
    query: z.object({ version: z.coerce.number().int().min(1).optional() }),
    response: ExportBody,
    async handle(req, deps) {
      const body = await exportScenario(deps.store, req.instanceId, req.params.scenarioId, deps.clock.now(), req.query.version);
      return { body, headers: { 'content-disposition': `attachment; filename="${req.params.scenarioId}.json"` } };
    },
  }),
  route({
    method: 'POST',
    path: '/scenarios/import',
    summary: 'Import an exported scenario (or a bare definition) as a new draft',
    tags,
    body: z.union([ExportBody, ScenarioDefinition]),
    maxBodyBytes: MAX_SCENARIO_BYTES,
    status: 201,
    response: Scenario,
    async handle(req, deps) {
      const imported = await importScenario(deps.store, req.instanceId, req.body, deps.clock.now());
      await audit(deps, req.instanceId, { actor: req.principal, requestId: req.requestId, action: 'scenario.import', entity: { type: 'scenario', id: imported.scenarioId }, after: audited(imported) });
      return { status: 201, body: imported };
    },
  }),
  route({
    method: 'GET',
    path: '/templates',
    summary: 'Built-in scenario templates (notification, health screening, satisfaction, payment reminder) in English and Chinese',
    tags,
    response: z.object({
      items: z.array(z.object({ templateId: z.string(), title: z.record(Language, z.string()), description: z.record(Language, z.string()), languages: z.array(Language) })),
    }),
    async handle() {
      return {
        body: { items: TEMPLATES.map((t) => ({ templateId: t.id, title: t.title, description: t.description, languages: ['en', 'zh'] })) },
      };
    },
  }),
  route({
    method: 'POST',
    path: '/templates/{templateId}/instantiate',
    summary: 'Create a scenario draft from a template in one language',
    tags,
    params: z.object({ templateId: z.string().min(1).max(100) }),
    body: z.object({ language: Language.default('en'), name: z.string().min(1).max(200).optional() }).default({ language: 'en' }),
    status: 201,
    response: Scenario,
    async handle(req, deps) {
      const template = getTemplate(req.params.templateId);
      if (!template) throw new NotFoundError('template', req.params.templateId);
      const def = template.definition(req.body.language);
      const created = await createScenario(deps.store, req.instanceId, { ...def, ...(req.body.name ? { name: req.body.name } : {}) }, deps.clock.now());
      await audit(deps, req.instanceId, {
        actor: req.principal,
        requestId: req.requestId,
        action: 'scenario.create',
        entity: { type: 'scenario', id: created.scenarioId },
        after: audited(created),
        details: { templateId: req.params.templateId, language: req.body.language },
      });
      return { status: 201, body: created };
    },
  }),
  route({
    method: 'POST',
    path: '/scenarios/{scenarioId}/debug',
    summary: 'Flow debug (S12): run one step of the draft or a version as a text chat with the call engine',
    tags,
    params: Params,
    body: DebugBody,
    maxBodyBytes: MAX_SCENARIO_BYTES,
    response: DebugResponse,
    async handle(req, deps) {
      const { scenarioId } = req.params;
      const scenario = await getScenario(deps.store, req.instanceId, scenarioId);
      let compiled;
      if (req.body.version !== undefined) {
        const v = await getScenarioVersion(deps.store, req.instanceId, scenarioId, req.body.version);
        if (!v) throw new NotFoundError('scenario version', `${scenarioId}@${req.body.version}`);
        compiled = compileCached(`${req.instanceId}/${scenarioId}@${v.version}`, v.definition);
      } else compiled = compileCached(`${req.instanceId}/${scenarioId}#r${scenario.revision}`, scenario.draft);
      const ctx = { variables: req.body.variables };
      const at = deps.clock.now();
      const input = req.body.input;
      let step: [DialogState, DialogCommand[]];
      if (input.type === 'start') step = startDialog(compiled, { ...ctx, at });
      else {
        const state = parseDialogState(req.body.state);
        if (!state) throw new ValidationError('state is missing or is not a dialog state; start with input {type: "start"}', [{ path: 'state', message: 'not a dialog state' }]);
        const event: DialogEvent =
          input.type === 'text'
            ? { type: 'utterance', at, text: input.text, ...(input.confidence !== undefined ? { confidence: input.confidence } : {}) }
            : input.type === 'digits'
              ? { type: 'digits', at, digits: input.digits }
              : input.type === 'silence'
                ? { type: 'silence', at }
                : { type: 'hangup', at, party: 'person' };
        step = transition(compiled, state, event, ctx);
      }
      let [state, commands] = step;
      // In a text chat a prompt finishes as soon as it is shown.
      for (let i = 0; state.phase === 'speaking' && i < 100; i++) {
        const [s, more] = transition(compiled, state, { type: 'promptFinished', at }, ctx);
        state = s;
        commands = [...commands, ...more];
      }
      const answered = commands.flatMap((c) => (c.type === 'recordTurn' && c.turn.userText !== undefined ? [c.turn] : []))[0];
      return {
        body: {
          state,
          hitNode: state.node,
          ...(answered ? { answeredAt: answered.nodeId } : {}),
          ...(answered?.intent !== undefined ? { intent: answered.intent, score: answered.score } : {}),
          tags: state.tags,
          completed: state.completed,
          over: isDialogOver(state),
          commands,
        },
      };
    },
  }),
];
