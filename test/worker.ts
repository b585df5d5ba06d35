// The test Worker: the API's fetch handler and the ingest Worker's queue (ingest and events)
// and scheduled handlers in one script, so tests drive them end to end through real miniflare
// queues and cron triggers.
import api from '../workers/api/index';
import ingest from '../workers/ingest/index';

export { Conversation } from '../durable-objects/conversation';
export { CircuitBreaker } from '../durable-objects/circuit-breaker';
export { RateLimiter } from '../durable-objects/rate-limiter';

export default { fetch: api.fetch, queue: ingest.queue, scheduled: ingest.scheduled };
