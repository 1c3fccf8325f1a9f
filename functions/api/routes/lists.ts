import * as z from 'zod';
import { audit } from '../../../lib/audit';
import { ReachoutError, ValidationError } from '../../../lib/core/errors';
import { columnMap } from '../../../lib/contacts/normalize';
import { fileRows, formatOf } from '../../../lib/contacts/parse';
import { getInstanceSettings } from '../../../lib/instances/repository';
import { addToList, listEntries, removeFromList, type InstanceList } from '../../../lib/lists';
import { route, type Route } from '../route';

const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const ListParams = z.object({ list: z.enum(['do-not-call', 'allow']) });
const listOf = (p: 'do-not-call' | 'allow'): InstanceList => (p === 'do-not-call' ? 'doNotCall' : 'allow');
const Numbers = z.object({ numbers: z.array(z.string().min(1).max(40)).min(1).max(10_000), note: z.string().max(200).optional() });
const ChangeResult = z.object({ added: z.number(), rejected: z.array(z.object({ value: z.string(), reason: z.string() })) });

/** Do-not-call and allow list routes (SPEC P7): list, add, remove, bulk import from .csv/.xlsx. */
export const listRoutes: Route[] = [
  route({
    method: 'GET', path: '/lists/{list}', summary: 'Numbers on the do-not-call or allow list', tags: ['lists'],
    params: ListParams, query: z.object({ limit: z.coerce.number().int().min(1).max(1000).optional(), cursor: z.string().max(2000).optional() }),
    response: z.object({ items: z.array(z.object({ phone: z.string(), addedAt: z.string(), note: z.string().optional() })), cursor: z.string().optional() }),
    async handle(req, deps) {
      return { body: await listEntries(deps.store, req.instanceId, listOf(req.params.list), req.query) };
    },
  }),
  route({
    method: 'POST', path: '/lists/{list}', summary: 'Add numbers to the do-not-call or allow list', tags: ['lists'],
    params: ListParams, body: Numbers, response: ChangeResult,
    async handle(req, deps) {
      const settings = await getInstanceSettings(deps.store, req.instanceId);
      const result = await addToList(deps, req.instanceId, listOf(req.params.list), req.body.numbers, { defaultRegion: settings.defaultRegion, note: req.body.note });
      await audit(deps, req.instanceId, { actor: req.principal, requestId: req.requestId, action: 'list.add', entity: { type: 'list', id: req.params.list }, details: { added: result.added, rejected: result.rejected.length } });
      return { body: result };
    },
  }),
  route({
    method: 'DELETE', path: '/lists/{list}', summary: 'Remove numbers from the do-not-call or allow list', tags: ['lists'],
    params: ListParams, body: Numbers, response: z.object({ removed: z.number() }),
    async handle(req, deps) {
      const settings = await getInstanceSettings(deps.store, req.instanceId);
      const removed = await removeFromList(deps.store, req.instanceId, listOf(req.params.list), req.body.numbers, settings.defaultRegion);
      await audit(deps, req.instanceId, { actor: req.principal, requestId: req.requestId, action: 'list.remove', entity: { type: 'list', id: req.params.list }, details: { removed } });
      return { body: { removed } };
    },
  }),
  route({
    method: 'POST', path: '/lists/{list}/import', summary: 'Bulk import numbers from a .csv or .xlsx file (first column, or the phone column)', tags: ['lists'],
    params: ListParams, rawBody: { contentTypes: [XLSX_TYPE, 'text/csv', 'application/csv', 'text/plain', 'application/octet-stream'] },
    response: ChangeResult,
    async handle(req, deps) {
      const body = req.rawBody;
      if (!body || body.length === 0) throw new ValidationError('send the file as the request body', [{ path: '(body)', message: 'empty' }]);
      // The bytes decide before the label: an .xlsx is a zip whatever its content type says.
      const zip = body[0] === 0x50 && body[1] === 0x4b && body[2] === 0x03 && body[3] === 0x04;
      const format = zip ? 'xlsx' : (formatOf(req.headers['content-type'] ?? '') ?? 'csv');
      // Read the whole file before writing anything, so a file that turns out corrupt half-way is
      // rejected with nothing added (the numbers of a list file are small; the API body is ≤ 6 MB).
      const values: string[] = [];
      try {
        let column: number | undefined;
        for await (const row of fileRows(format, (async function* () { yield new Uint8Array(body); })())) {
          if (column === undefined) {
            const phone = columnMap(row.cells).fields.phone;
            column = phone ?? 0;
            if (phone !== undefined) continue;
          }
          const value = row.cells[column]?.trim();
          if (value) values.push(value);
        }
      } catch (error) {
        if (error instanceof ReachoutError) throw error;
        deps.log.warn('list file not readable', { error, format });
        const reason = error instanceof Error ? error.message.split('\n')[0]!.slice(0, 200) : 'unreadable';
        throw new ValidationError(`the file could not be read as ${format === 'xlsx' ? 'an .xlsx workbook' : 'CSV'}: ${reason}`, [
          { path: '(body)', message: `not a readable ${format} file` },
        ]);
      }
      const settings = await getInstanceSettings(deps.store, req.instanceId);
      const list = listOf(req.params.list);
      const total = { added: 0, rejected: [] as { value: string; reason: string }[] };
      for (let i = 0; i < values.length; i += 1000) {
        const r = await addToList(deps, req.instanceId, list, values.slice(i, i + 1000), { defaultRegion: settings.defaultRegion });
        total.added += r.added;
        if (total.rejected.length < 1000) total.rejected.push(...r.rejected.slice(0, 1000 - total.rejected.length));
      }
      await audit(deps, req.instanceId, { actor: req.principal, requestId: req.requestId, action: 'list.import', entity: { type: 'list', id: req.params.list }, details: { added: total.added, rejected: total.rejected.length } });
      return { body: total };
    },
  }),
];
