import * as z from 'zod';
import { getCampaign, getJob, jobsByPhone, jobsByReference, listJobs } from '../../../lib/campaigns/repository';
import { Job } from '../../../lib/campaigns/schema';
import { NotFoundError, ValidationError } from '../../../lib/core/errors';
import { JobStatus } from '../../../lib/domain/statuses';
import { keys } from '../../../lib/store/keys';
import { route, type Route } from '../route';
import { phoneFilter } from './calls';

const JobParams = z.object({ campaignId: z.string().min(1).max(100), jobId: z.string().min(1).max(100) });
const JobView = Job.extend({ systemAttempts: z.number(), leaseSlot: z.number().optional(), from: z.string().optional() });
const JobList = z.object({ items: z.array(JobView), cursor: z.string().optional() });

const clean = <T extends { calleeDay?: string }>(j: T) => {
  const { calleeDay: _d, ...rest } = j;
  return rest;
};

/** Job routes (SPEC C7): list a campaign's jobs, look jobs up by number or reference id, job detail with its calls. */
export const jobRoutes: Route[] = [
  route({
    method: 'GET', path: '/campaigns/{campaignId}/jobs', summary: 'List a campaign’s jobs (optionally by status)', tags: ['jobs'],
    params: z.object({ campaignId: z.string().min(1).max(100) }),
    query: z.object({ limit: z.coerce.number().int().min(1).max(500).optional(), cursor: z.string().max(2000).optional(), status: JobStatus.optional() }),
    response: JobList,
    async handle(req, deps) {
      await getCampaign(deps.store, req.instanceId, req.params.campaignId);
      const page = await listJobs(deps.store, req.instanceId, req.params.campaignId, req.query);
      return { body: { ...page, items: page.items.map(clean) } };
    },
  }),
  route({
    method: 'GET', path: '/jobs', summary: 'Find jobs across campaigns by phone number or external reference id (C7)', tags: ['jobs'],
    query: z.object({ phone: z.string().max(40).optional(), referenceId: z.string().max(200).optional(), limit: z.coerce.number().int().min(1).max(500).optional() }),
    response: z.object({ items: z.array(JobView) }),
    async handle(req, deps) {
      const { phone, referenceId, limit } = req.query;
      if (!phone && !referenceId) throw new ValidationError('give phone or referenceId', [{ path: 'query.phone', message: 'required without referenceId' }]);
      if (phone) {
        const e164 = await phoneFilter(deps, req.instanceId, phone);
        return { body: { items: (await jobsByPhone(deps.store, req.instanceId, e164, limit)).map(clean) } };
      }
      return { body: { items: (await jobsByReference(deps.store, req.instanceId, referenceId!, limit)).map(clean) } };
    },
  }),
  route({
    method: 'GET', path: '/campaigns/{campaignId}/jobs/{jobId}', summary: 'Job detail with all its calls and tags (C7)', tags: ['jobs'],
    params: JobParams,
    response: JobView.extend({ calls: z.array(z.record(z.string(), z.unknown())) }),
    async handle(req, deps) {
      const job = await getJob(deps.store, req.instanceId, req.params.campaignId, req.params.jobId);
      if (!job) throw new NotFoundError('job', req.params.jobId);
      const page = await deps.store.query({ pk: keys.call(req.instanceId, job.jobId, 'x').pk, beginsWith: 'CALL#', limit: 100 });
      const calls = page.items.map(({ pk: _pk, sk: _sk, gsi1pk: _a, gsi1sk: _b, gsi2pk: _c, gsi2sk: _d, gsi3pk: _e, gsi3sk: _f, ...rest }) => rest);
      return { body: { ...clean(job), calls } };
    },
  }),
];
