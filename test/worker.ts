// The test Worker: the API's fetch handler and the ingest consumer in one script, so
// tests drive uploads end to end through a real miniflare queue.
import api from '../workers/api/index';
import ingest from '../workers/ingest/index';

export { Conversation } from '../durable-objects/conversation';
export { CircuitBreaker } from '../durable-objects/circuit-breaker';
export { RateLimiter } from '../durable-objects/rate-limiter';

export default { fetch: api.fetch, queue: ingest.queue };
