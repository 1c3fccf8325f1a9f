import * as z from 'zod';
import { audit } from '../../../lib/audit';
import { NotFoundError, ReachoutError } from '../../../lib/core/errors';
import {
  createApiKey,
  createInstance,
  getInstance,
  getInstanceStats,
  updateInstance,
} from '../../../lib/instances/repository';
import { CreateInstanceBody, Instance, UpdateInstanceBody } from '../../../lib/instances/schema';
import { route, type Route } from '../route';
import { SERVICE_VERSION } from './health';

const InstanceParams = z.object({ instanceId: z.string().min(1).max(100) });

/** Instance routes (SPEC I1–I3). The caller's own instance is `/instance`; `/instances/{id}` answers 404 for any other (I2). */
export const instanceRoutes: Route[] = [
  route({
    method: 'GET',
    path: '/instance',
    summary: "Read the caller's instance and its settings",
    tags: ['instances'],
    response: Instance,
    async handle(req, deps) {
      return { body: await getInstance(deps.store, req.instanceId) };
    },
  }),
  route({
    method: 'PATCH',
    path: '/instance',
    summary: "Update the caller's instance name and settings (settings as a JSON merge patch: what is not mentioned is kept)",
    tags: ['instances'],
    body: UpdateInstanceBody,
    response: Instance,
    async handle(req, deps) {
      const before = await getInstance(deps.store, req.instanceId);
      const after = await updateInstance(deps.store, req.instanceId, req.body, deps.clock.now());
      await audit(deps, req.instanceId, {
        actor: req.principal,
        requestId: req.requestId,
        action: 'settings.update',
        entity: { type: 'settings', id: req.instanceId },
        before: { name: before.name, settings: before.settings },
        after: { name: after.name, settings: after.settings },
        details: { version: after.version },
      });
      return { body: after };
    },
  }),
  route({
    method: 'GET',
    path: '/instance/stats',
    summary: 'Global statistics of the instance: calls placed, minutes talked, version (I3)',
    tags: ['instances'],
    response: z.object({ callsPlaced: z.number(), minutesTalked: z.number(), version: z.number(), serviceVersion: z.string() }),
    async handle(req, deps) {
      return { body: { ...(await getInstanceStats(deps.store, req.instanceId)), serviceVersion: SERVICE_VERSION } };
    },
  }),
  route({
    method: 'GET',
    path: '/instances/{instanceId}',
    summary: 'Read an instance by id (404 for instances other than the caller’s unless the caller is an administrator)',
    tags: ['instances'],
    params: InstanceParams,
    response: Instance,
    async handle(req, deps) {
      if (req.params.instanceId !== req.instanceId && !req.admin) throw new NotFoundError('instance', req.params.instanceId);
      return { body: await getInstance(deps.store, req.params.instanceId) };
    },
  }),
  route({
    method: 'POST',
    path: '/instances',
    summary: 'Create an instance and its first API key (administrators only)',
    tags: ['instances'],
    body: CreateInstanceBody,
    adminOnly: true,
    status: 201,
    response: z.object({ instance: Instance, apiKey: z.string() }),
    async handle(req, deps) {
      const now = deps.clock.now();
      const instance = await createInstance(deps.store, { name: req.body.name, settings: req.body.settings }, now);
      const created = await createApiKey(deps.store, instance.instanceId, now);
      const by = { actor: req.principal, requestId: req.requestId };
      await audit(deps, instance.instanceId, { ...by, action: 'instance.create', entity: { type: 'instance', id: instance.instanceId }, after: { name: instance.name } });
      await audit(deps, instance.instanceId, { ...by, action: 'apiKey.create', entity: { type: 'apiKey', id: created.keyId } });
      return { body: { instance, apiKey: created.apiKey } };
    },
  }),
];
