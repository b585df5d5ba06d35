import type { ChatEvent } from './turn';

const encoder = new TextEncoder();

/** One named server-sent event; `data` is sent as JSON. */
export interface SseEvent {
  event: string;
  data: unknown;
}

const frame = ({ event, data }: SseEvent) =>
  encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);

/**
 * Events as a `text/event-stream` body: the one SSE encoder of the API. A failure after the
 * stream started is sent as an `error` event (headers are already out, so a status code can
 * no longer say it), and a client that goes away stops the producer.
 */
export function sseStream(
  events: AsyncIterable<SseEvent>,
  describeError: (error: unknown) => unknown,
): ReadableStream<Uint8Array> {
  const iterator = events[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await iterator.next();
        if (next.done) controller.close();
        else controller.enqueue(frame(next.value));
      } catch (error) {
        controller.enqueue(frame({ event: 'error', data: describeError(error) }));
        controller.close();
      }
    },
    async cancel() {
      // The client went away: stop generating (and paying for) the answer.
      await iterator.return?.(undefined);
    },
  });
}

async function* named(events: AsyncIterable<ChatEvent>): AsyncGenerator<SseEvent> {
  for await (const event of events) yield { event: event.type, data: event };
}

/** A chat turn's internal events as SSE, each named by its type (the API sends `toApiEvents`). */
export function chatEventStream(
  events: AsyncIterable<ChatEvent>,
  describeError: (error: unknown) => { code: string; message: string } = () => ({
    code: 'internal_error',
    message: 'the answer could not be completed',
  }),
): ReadableStream<Uint8Array> {
  return sseStream(named(events), (error) => ({ type: 'error', ...describeError(error) }));
}
