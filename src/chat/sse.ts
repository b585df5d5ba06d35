import type { ChatEvent } from './turn';

const encoder = new TextEncoder();

/** One SSE frame; the event name is the chat event's type. */
export function sseFrame(event: ChatEvent): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

/**
 * A chat turn as a `text/event-stream` body. A failure after the stream started is sent as an
 * `error` frame (headers are already out, so a status code can no longer say it).
 */
export function chatEventStream(
  events: AsyncIterable<ChatEvent>,
  describeError: (error: unknown) => { code: string; message: string } = () => ({
    code: 'internal_error',
    message: 'the answer could not be completed',
  }),
): ReadableStream<Uint8Array> {
  const iterator = events[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await iterator.next();
        if (next.done) controller.close();
        else controller.enqueue(encoder.encode(sseFrame(next.value)));
      } catch (error) {
        const body = JSON.stringify({ type: 'error', ...describeError(error) });
        controller.enqueue(encoder.encode(`event: error\ndata: ${body}\n\n`));
        controller.close();
      }
    },
    async cancel() {
      // The client went away: stop generating (and paying for) the answer.
      await iterator.return?.();
    },
  });
}
