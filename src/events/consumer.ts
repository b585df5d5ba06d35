import { openDatabase } from '../db/client';
import type { Env, EventsMessage } from '../env';
import { errorFields, logJson } from '../observability/log';
import { traceIdOf } from '../observability/traceparent';
import { decodeEventsMessage } from './sink';
import { storeEvents } from './store';

/** Consumer for `vellum-events`: each message is one tenant's chunk of validated events. */
export async function handleEventsBatch(
  batch: MessageBatch<EventsMessage | string>,
  env: Env,
  ctx: ExecutionContext,
): Promise<void> {
  const { db, close } = openDatabase(env, 'background');
  try {
    for (const message of batch.messages) {
      let body: EventsMessage;
      try {
        body = decodeEventsMessage(message.body);
      } catch (error) {
        // Not JSON: no retry can fix it, so it is logged and dropped rather than redelivered.
        logJson('error', {
          msg: 'events.undecodable',
          attempt: message.attempts,
          ...errorFields(error),
        });
        message.ack();
        continue;
      }
      try {
        const result = await storeEvents(db, body.tenantId, body.events);
        logJson('info', {
          msg: 'events.stored',
          traceId: traceIdOf(body.traceparent),
          tenantId: body.tenantId,
          events: body.events.length,
          inserted: result.inserted,
          duplicates: result.duplicates,
          lagMs: Date.now() - body.enqueuedAt,
        });
        message.ack();
      } catch (error) {
        logJson('error', {
          msg: 'events.store_failed',
          traceId: traceIdOf(body.traceparent),
          tenantId: body.tenantId,
          attempt: message.attempts,
          ...errorFields(error),
        });
        message.retry({ delaySeconds: Math.min(60, 2 ** message.attempts) });
      }
    }
  } finally {
    ctx.waitUntil(close().catch(() => {}));
  }
}
