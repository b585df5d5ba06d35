import type { ChatEvent } from './chat-types';

export interface RawSseEvent {
  event: string;
  data: string;
}

/** Splits a text/event-stream body into events as bytes arrive (spec: blank line ends an event). */
export async function* parseSse(body: ReadableStream<Uint8Array>): AsyncGenerator<RawSseEvent> {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let event = 'message';
  let data: string[] = [];
  try {
    for (;;) {
      const { value, done } = await reader.read();
      // A last line without its newline still counts when the stream ends.
      if (done && buffer === '') break;
      buffer += done ? '\n' : value;
      let newline: number;
      while ((newline = buffer.search(/\r\n|\r|\n/)) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + (buffer.startsWith('\r\n', newline) ? 2 : 1));
        if (line === '') {
          if (data.length) yield { event, data: data.join('\n') };
          event = 'message';
          data = [];
        } else if (!line.startsWith(':')) {
          const colon = line.indexOf(':');
          const field = colon < 0 ? line : line.slice(0, colon);
          const raw = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
          if (field === 'event') event = raw;
          else if (field === 'data') data.push(raw);
        }
      }
      if (done) break;
    }
    if (data.length) yield { event, data: data.join('\n') };
  } finally {
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
