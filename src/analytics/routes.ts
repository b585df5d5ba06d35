import { createRoute, z } from '@hono/zod-openapi';
import { ApiError } from '../errors';
import { AUTHENTICATED, errorResponse, errorResponses } from '../http/openapi';
import { createRouter } from '../http/router';
import { recordRejectedEvents } from '../metrics/analytics-events';
import { authorize } from '../middleware/auth';
import { eventSinkFor } from './sink';
import { EVENT_REJECTION_CODES, MAX_EVENTS_PER_BATCH, validateEvents } from './validate';

export const eventsRouter = createRouter();

const Body = z.object({ events: z.array(z.unknown()).min(1).max(MAX_EVENTS_PER_BATCH) });
const Ack = z.object({
  accepted: z.number().int(),
  rejected: z.array(
    z.object({
      index: z.number().int(),
      code: z.enum(EVENT_REJECTION_CODES),
    }),
  ),
});

eventsRouter.openapi(
  createRoute({
    method: 'post',
    path: '/v1/events',
    operationId: 'ingestEvents',
    summary:
      'Ingest product events (validated one by one, written asynchronously, deduplicated by event_id)',
    middleware: [authorize('events:write')] as const,
    request: { body: { content: { 'application/json': { schema: Body } }, required: true } },
    responses: {
      202: {
        content: { 'application/json': { schema: Ack } },
        description: 'Accepted for processing',
      },
      ...errorResponses(...AUTHENTICATED, 400, 403, 413, 415),
      503: errorResponse(503, 'The events queue or a dependency is unavailable: retry shortly'),
    },
  }),
  async (c) => {
    const { events } = c.req.valid('json');
    const tenantId = c.var.principal.tenantId;
    // Validate and hand off: no database work on this path (auth is served from the key
    // caches, the rollup rows of this request are written behind it by the isolate buffer).
    // A user token speaks only for its own user; an API key (userId null) for any.
    const verdict = validateEvents(events, Date.now(), c.var.principal.userId);
    if (verdict.serialized.length > 0) {
      try {
        await eventSinkFor(c.env).send({
          tenantId,
          traceparent: c.get('traceparent'),
          events: verdict.accepted,
          serialized: verdict.serialized,
        });
      } catch {
        throw new ApiError(
          503,
          'queue_unavailable',
          'the events queue is unavailable; retry the batch',
        );
      }
    }
    recordRejectedEvents(c, tenantId, verdict.accepted.length, verdict.rejected);
    return c.json({ accepted: verdict.accepted.length, rejected: verdict.rejected }, 202);
  },
);
