// How the events queue is consumed; kept free of imports so configs can be checked against it.

/**
 * Deliveries of an events message before it is dead-lettered: must match `max_retries` of the
 * `vellum-events` consumer in workers/ingest/wrangler.toml (and test/wrangler.test.toml).
 */
export const EVENTS_MAX_RETRIES = 10;
/**
 * Base of the events retry backoff. Doubling from 5 s (jittered over the upper half of each
 * step, capped at 15 min), 10 retries wait at least 18 minutes in all: an acknowledged event
 * outlives a Postgres outage of that long before it reaches the dead-letter queue, and the
 * dead-letter consumer then tries again for as long.
 */
export const EVENTS_RETRY_BASE_SECONDS = 5;
