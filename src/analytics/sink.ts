import type { Env, EventsMessage, ProductEvent } from '../env';
import { chunkEvents } from './chunk';
import { utf8Length } from './validate';

/** One tenant's accepted events, as `validateEvents` returns them. */
export interface EventBatch {
  tenantId: string;
  traceparent?: string;
  /** The events as objects, for adapters whose API takes records (e.g. a Pipelines stream). */
  events: readonly ProductEvent[];
  /** The same events as JSON text, serialised once; adapters that send bytes use these. */
  serialized: readonly string[];
}

/**
 * Where accepted events go. The route only validates, rate-limits and calls `send`; what
 * happens next is the adapter's business. Today: Queues (`queueEventSink`), consumed into
 * Postgres by src/analytics/consumer.ts. A Pipelines → R2 adapter implements the same port
 * (docs/scaling.md, "Product events at 10M events/s").
 */
export interface EventSink {
  /** Resolves once the platform has accepted the events (durably queued); rejects otherwise. */
  send(batch: EventBatch): Promise<{ messages: number }>;
}

/** `sendBatch` takes at most 100 messages and 256 KB (256,000 bytes) per call. */
const MAX_BATCH_MESSAGES = 100;
const MAX_BATCH_BYTES = 250_000;

/** The message as JSON text, around the events' own JSON: nothing is serialised twice. */
function envelope(batch: EventBatch, events: readonly string[], enqueuedAt: number): string {
  const trace = batch.traceparent ? `,"traceparent":${JSON.stringify(batch.traceparent)}` : '';
  return `{"kind":"events","tenantId":${JSON.stringify(batch.tenantId)}${trace},"enqueuedAt":${enqueuedAt},"events":[${events.join(',')}]}`;
}

/**
 * Queue adapter. Each message is one chunk of events under the message size limit, sent as
 * `text` so the runtime does not serialise it again. Messages go out in as few `sendBatch`
 * calls as the batch limits allow. With several queues (shards of one logical stream, all
 * consumed by the same handler, named `vellum-events-*`), calls rotate over them so each
 * queue stays under its own message rate.
 */
export function queueEventSink(queues: readonly Queue<EventsMessage | string>[]): EventSink {
  if (queues.length === 0) throw new Error('queueEventSink needs at least one queue');
  let next = 0;
  return {
    async send(batch) {
      const enqueuedAt = Date.now();
      const bodies = chunkEvents(batch.serialized).map((chunk) =>
        envelope(batch, chunk, enqueuedAt),
      );
      // The usual batch is one message, already sized by chunkEvents: one send, nothing to
      // count. Only several messages need grouping into sendBatch calls by count and bytes.
      if (bodies.length === 1) {
        await queues[next++ % queues.length]!.send(bodies[0]!, { contentType: 'text' });
        return { messages: 1 };
      }
      const calls: string[][] = [];
      let call: string[] = [];
      let bytes = 0;
      for (const body of bodies) {
        const size = utf8Length(body);
        if (
          call.length > 0 &&
          (call.length >= MAX_BATCH_MESSAGES || bytes + size > MAX_BATCH_BYTES)
        ) {
          calls.push(call);
          call = [];
          bytes = 0;
        }
        call.push(body);
        bytes += size;
      }
      if (call.length > 0) calls.push(call);
      await Promise.all(
        calls.map((group) => {
          const queue = queues[next++ % queues.length]!;
          return group.length === 1
            ? queue.send(group[0]!, { contentType: 'text' })
            : queue.sendBatch(group.map((body) => ({ body, contentType: 'text' as const })));
        }),
      );
      return { messages: bodies.length };
    },
  };
}

/** The sink this deployment uses. */
export function eventSinkFor(env: Pick<Env, 'EVENTS_QUEUE'>): EventSink {
  return queueEventSink([env.EVENTS_QUEUE]);
}
