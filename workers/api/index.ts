import { createApp } from '../../src/app';

const app = createApp();

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<import('../../src/env').Env>;

export { RateLimiter } from '../../durable-objects/rate-limiter';
