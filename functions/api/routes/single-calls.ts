/**
 * `POST /calls` (SPEC E3): place one call now. This file holds the contract (request, response,
 * errors) and the route; the dialling itself is injected (`PlaceSingleCall`) by whoever implements
 * it on top of campaign dispatch (docs/single-calls.md describes the design). The route is not in
 * `allRoutes` until an implementation is passed to `singleCallRoutes`.
 */
import * as z from 'zod';
import type { Deps } from '../../../lib/core/deps';
import { ValidationError } from '../../../lib/core/errors';
import { route, type Route } from '../route';

const E164 = z.string().regex(/^\+[1-9]\d{6,14}$/, 'expected an E.164 number');

/** Body of `POST /calls`. */
export const SingleCallRequest = z
  .object({
    phoneNumber: z.string().min(3).max(40).describe('Number to call; E.164, or national in the instance default region'),
    scenarioId: z.string().min(1).max(100),
    scenarioVersion: z.number().int().positive().describe('A published version: what is said is reproducible'),
    variables: z.record(z.string().min(1).max(64), z.string().max(1000)).default({}).describe("The contact's variables (seed 002 extras), as in a campaign's contact list"),
    name: z.string().max(200).optional(),
    honorific: z.string().max(50).optional(),
    referenceId: z.string().max(200).optional().describe('Your id of the person; searchable in the call history'),
    callerNumber: E164.optional().describe("One of the instance's caller numbers; chosen like a campaign's (local presence) when absent"),
    whenClosed: z
      .enum(['reject', 'queue'])
      .default('reject')
      .describe('Outside the calling windows: answer 409 (reject) or accept and call when the next window opens (queue)'),
  })
  .meta({
    examples: [
      {
        phoneNumber: '+14155550123',
        scenarioId: 'S01JH3Q2R4T6V8X0Z2B4D6F8H0J',
        scenarioVersion: 3,
        variables: { amount: '120.50', dueDate: '2026-01-15' },
        name: 'Alex Chen',
        referenceId: 'member-1042',
      },
    ],
  });
/** Body of `POST /calls`. */
export type SingleCallRequest = z.infer<typeof SingleCallRequest>;

/** Answer of `POST /calls` (202: accepted; the call's progress comes as events and in GET /calls/{callId}). */
export const SingleCallResponse = z
  .object({
    jobId: z.string(),
    callId: z.string().describe('Id of the first attempt, known before the call is placed'),
    campaignId: z.string().describe('The hidden single-call campaign of this scenario version'),
    status: z.enum(['Executing', 'Scheduling']).describe('Executing: being dialled now; Scheduling: queued for the next window or a free line'),
    notBefore: z.string().optional().describe('ISO time of the next window, when queued'),
  })
  .meta({
    examples: [
      { jobId: 'J01JH3Q9A1B3C5D7E9F1G3H5J7K', callId: 'K01JH3QB2C4D6E8F0G2H4J6K8M0', campaignId: 'C01JH3Q7M4K6J8H0G2F4E6D8C0B', status: 'Executing' },
    ],
  });
/** Answer of `POST /calls`. */
export type SingleCallResponse = z.infer<typeof SingleCallResponse>;

/** The dialling behind `POST /calls`; throws the usual errors (ValidationError, NotFoundError, ConflictError). */
export type PlaceSingleCall = (
  deps: Deps,
  request: { instanceId: string; principal: string; requestId: string; idempotencyKey: string; body: SingleCallRequest },
) => Promise<SingleCallResponse>;

/** The `POST /calls` route around an implementation of the dialling. */
export function singleCallRoutes(place: PlaceSingleCall): Route[] {
  return [
    route({
      method: 'POST',
      path: '/calls',
      summary: 'Place one call now with a published scenario version, under the instance windows, lists, caps and concurrency (E3); requires an idempotency-key header',
      tags: ['calls'],
      body: SingleCallRequest,
      status: 202,
      response: SingleCallResponse,
      async handle(req, deps) {
        const idempotencyKey = req.headers['idempotency-key'];
        if (!idempotencyKey) {
          throw new ValidationError('send an idempotency-key header: a retried request must never place a second call', [
            { path: 'idempotency-key', message: 'required' },
          ]);
        }
        const body = await place(deps, { instanceId: req.instanceId, principal: req.principal, requestId: req.requestId, idempotencyKey, body: req.body });
        return { status: 202, body };
      },
    }),
  ];
}
