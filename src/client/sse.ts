// Server-sent events for the client, the console (through its built bundle) and the tests: the
// wire format is parsed by `eventsource-parser` (maintained, spec-conformant, runs in Workers
// and browsers); this module only adapts it to an async iterator over a response body.
import { createParser } from 'eventsource-parser';
import type { ChatEvent } from './chat-types';

export interface RawSseEvent {
  /** `message` when the server named none, as EventSource does. */
  event: string;
  data: string;
}

/**
 * Yields the events of a text/event-stream body as bytes arrive. Leaving the loop early (break,
 * throw, an aborted fetch) cancels the body, so the connection is closed rather than left open.
 */
export async function* parseSse(body: ReadableStream<Uint8Array>): AsyncGenerator<RawSseEvent> {
  const ready: RawSseEvent[] = [];
  const parser = createParser({
    onEvent: ({ event, data }) => ready.push({ event: event ?? 'message', data }),
  });
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let ended = false;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      // A last event without its blank line still counts when the stream ends (the spec would
      // drop it; servers that close right after their final `data:` line rely on this).
      parser.feed(done ? decoder.decode() + '\n\n' : decoder.decode(value, { stream: true }));
      while (ready.length) yield ready.shift()!;
      if (done) break;
    }
    ended = true;
  } finally {
    if (!ended) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}

const CHAT_EVENTS = new Set([
  'retrieval',
  'delta',
  'retract',
  'citation',
  'usage',
  'done',
  'error',
]);

/** Typed chat events; unknown event names are skipped so the server may add new ones. */
export async function* parseChatEvents(
  body: ReadableStream<Uint8Array>,
): AsyncGenerator<ChatEvent> {
  for await (const raw of parseSse(body)) {
    if (!CHAT_EVENTS.has(raw.event)) continue;
    let data: unknown;
    try {
      data = JSON.parse(raw.data);
    } catch {
      data = { text: raw.data };
    }
    yield { type: raw.event, data } as ChatEvent;
  }
}
