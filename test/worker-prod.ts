// The test Worker in the production configuration: the same API and ingest handlers as
// test/worker.ts, with Vectorize, Workers AI and Analytics Engine bound to the stand-ins in
// test/support/production-stand-ins.ts (the vars that select them are set by the
// `workers-prod` project in vitest.config.ts).
import api from '../workers/api/index';
import ingest from '../workers/ingest/index';
import type { Env, EventsMessage, IngestQueueMessage } from '../src/env';
import { productionStandIns } from './support/production-stand-ins';

export { Conversation } from '../durable-objects/conversation';
export { CircuitBreaker } from '../durable-objects/circuit-breaker';
export { RateLimiter } from '../durable-objects/rate-limiter';

const bind = (env: Env): Env => {
  const { VECTORS, AI, METRICS } = productionStandIns();
  return { ...env, VECTORS, AI: AI as unknown as Ai, METRICS };
};

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
