import { openDatabase } from '../db/client';
import type { Env, EventsMessage } from '../env';
import { retryDelaySeconds } from '../ingest/retry';
import { errorFields, logJson } from '../observability/log';
import { traceIdOf } from '../observability/traceparent';
import { EVENTS_RETRY_BASE_SECONDS } from './delivery';
import { storeEvents } from './store';

/**
 * The events of one batch of `vellum-events` (or a shard, or a dead-letter queue), as the
 * queue dispatcher (src/queues/dispatch.ts) hands them over: each message is one tenant's
 * chunk of validated events, already acknowledged to the client with a 202. Writes are
 * idempotent on (tenant, event_id), so redelivery never duplicates; a failed write retries
 * with exponential backoff and jitter until the queue dead-letters the message. Dead letters
 * get the same write again, and every failure of theirs is logged at error level with the
 * whole message, so events are never dropped without a record.
 */
export async function handleEventMessages(
  messages: readonly Message<EventsMessage>[],
  source: { queue: string; deadLetter: boolean },
  env: Env,
  ctx: ExecutionContext,
): Promise<void> {
  const deadLetters = source.deadLetter;
  const { db, close } = openDatabase(env, 'background');
  try {
    for (const message of messages) {
      const body = message.body;
      try {
        const result = await storeEvents(db, body.tenantId, body.events);
        logJson(deadLetters ? 'warn' : 'info', {
          msg: deadLetters ? 'events.recovered_from_dlq' : 'events.stored',
          traceId: traceIdOf(body.traceparent),
          tenantId: body.tenantId,
          events: body.events.length,
          inserted: result.inserted,
          duplicates: result.duplicates,
          attempt: message.attempts,
          lagMs: Date.now() - body.enqueuedAt,
        });
        message.ack();
      } catch (error) {
        const delaySeconds = retryDelaySeconds(message.attempts, EVENTS_RETRY_BASE_SECONDS);
        logJson('error', {
          msg: deadLetters ? 'events.dead_letter_store_failed' : 'events.store_failed',
          traceId: traceIdOf(body.traceparent),
          tenantId: body.tenantId,
          queue: source.queue,
          attempt: message.attempts,
          delaySeconds,
          // A dead letter's events are in the log line, so they can be replayed from the logs
          // even if the dead-letter queue's own retries run out too.
          ...(deadLetters ? { eventsMessage: body } : { events: body.events.length }),
          ...errorFields(error),
        });
        message.retry({ delaySeconds });
      }
    }
  } finally {
    ctx.waitUntil(close().catch(() => {}));
  }
}
