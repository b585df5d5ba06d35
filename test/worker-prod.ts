// The test Worker in the production configuration: the same API and ingest handlers as
// test/worker.ts, with Vectorize (two shards), Workers AI and Analytics Engine bound to the stand-ins in
// test/support/production-stand-ins.ts (the vars that select them are set by the
// `workers-prod` project in vitest.config.ts).
import api from '../workers/api/index';
import ingest from '../workers/ingest/index';
import type { Env, EventsMessage, IngestQueueMessage } from '../src/env';
import { productionBindings } from './support/production-stand-ins';

export { Conversation } from '../durable-objects/conversation';
export { CircuitBreaker } from '../durable-objects/circuit-breaker';
export { RateLimiter } from '../durable-objects/rate-limiter';

// Two Vectorize shards (VECTORS, VECTORS_1 and VECTOR_SHARDS=2) next to AI and METRICS.
const bind = (env: Env): Env => ({ ...env, ...productionBindings() });

export default {
  fetch: (request: Request, env: Env, ctx: ExecutionContext) => api.fetch(request, bind(env), ctx),
  queue: (
    batch: MessageBatch<IngestQueueMessage | EventsMessage>,
    env: Env,
    ctx: ExecutionContext,
  ) => ingest.queue(batch, bind(env), ctx),
  scheduled: (controller: ScheduledController, env: Env, ctx: ExecutionContext) =>
    ingest.scheduled(controller, bind(env), ctx),
} satisfies ExportedHandler<Env, IngestQueueMessage | EventsMessage>;
