import { describe, expect, it } from 'vitest';
import { parseChatEvents, parseSse } from './sse';

function streamOf(...parts: string[]) {
  const bytes = parts.map((p) => new TextEncoder().encode(p));
  return new ReadableStream<Uint8Array>({
    start(controller) {
      for (const b of bytes) controller.enqueue(b);
      controller.close();
    },
  });
}

const collect = async <T>(it: AsyncIterable<T>) => {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
};

describe('parseSse', () => {
  it('reassembles events split across chunks, CRLF and multi-line data', async () => {
    const events = await collect(
      parseSse(
        streamOf(
          'event: del',
          'ta\r\ndata: {"text":"He',
          'llo"}\r\n\r\n',
          ': ping\n\n',
          'data: a\ndata: b\n\n',
        ),
      ),
    );
    expect(events).toEqual([
      { event: 'delta', data: '{"text":"Hello"}' },
      { event: 'message', data: 'a\nb' },
    ]);
  });

  it('yields a final event without a trailing blank line', async () => {
    expect(await collect(parseSse(streamOf('event: done\ndata: {}')))).toEqual([
      { event: 'done', data: '{}' },
    ]);
  });

  it('reads a CRLF split between two chunks as one line end', async () => {
    // The hand-written parser took the lone \r as a line end and the \n after it as the blank
    // line that ends the event, so one event came out as two.
    expect(await collect(parseSse(streamOf('data: a\r', '\ndata: b\r\n\r\n')))).toEqual([
      { event: 'message', data: 'a\nb' },
    ]);
  });

  it('cancels the body when the reader leaves early', async () => {
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('event: delta\ndata: 1\n\n'));
        // The rest never arrives: only a cancel ends this stream.
      },
      cancel() {
        cancelled = true;
      },
    });
    for await (const event of parseSse(body)) {
      expect(event).toEqual({ event: 'delta', data: '1' });
      break;
    }
    expect(cancelled).toBe(true);
  });
});

describe('parseChatEvents', () => {
  it('types the named chat events and skips unknown ones', async () => {
    const body = streamOf(
      'event: retrieval\ndata: {"chunks":[{"chunkId":"c1","documentId":"d1"}]}\n\n',
      'event: delta\ndata: {"tier":"primary","text":"No"}\n\n',
      'event: retract\ndata: {"tier":"primary","reason":"overloaded"}\n\n',
      'event: delta\ndata: {"tier":"secondary","text":"Noon."}\n\n',
      'event: heartbeat\ndata: {}\n\n',
      'event: citation\ndata: {"citeId":"c1","chunkId":"c1","documentId":"d1","start":4,"end":9,"quote":"noon.","verified":true}\n\n',
      'event: done\ndata: {"messageId":"m1","tier":"primary"}\n\n',
    );
    const events = await collect(parseChatEvents(body));
    expect(events.map((e) => e.type)).toEqual([
      'retrieval',
      'delta',
      'retract',
      'delta',
      'citation',
      'done',
    ]);
    const citation = events[4]!;
    expect(citation.type === 'citation' && citation.data.end! - citation.data.start!).toBe(5);
  });
});
