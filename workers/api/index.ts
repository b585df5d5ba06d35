import { createApp } from '../../src/app';

export { Conversation } from '../../durable-objects/conversation';
export { CircuitBreaker } from '../../durable-objects/circuit-breaker';

const app = createApp();

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<import('../../src/env').Env>;

export { RateLimiter } from '../../durable-objects/rate-limiter';
