import { describe, expect, it } from 'vitest';
import { chatEventStream } from './sse';
import type { ChatEvent } from './turn';

async function* events(fail: boolean): AsyncGenerator<ChatEvent> {
  yield { type: 'message', userMessageId: 'u1', assistantMessageId: 'a1' };
  yield { type: 'delta', tier: 'primary', text: 'Hello' };
  if (fail) throw new Error('boom');
  yield { type: 'saved', seq: 3 };
}

describe('chat SSE body', () => {
  it('frames each event with its type', async () => {
    const text = await new Response(chatEventStream(events(false))).text();
    expect([...text.matchAll(/^event: (\w+)$/gm)].map((m) => m[1])).toEqual([
      'message',
      'delta',
      'saved',
    ]);
    expect(text).toContain('data: {"type":"delta","tier":"primary","text":"Hello"}\n\n');
  });

  it('ends with an error frame when the turn fails mid-stream', async () => {
    const text = await new Response(chatEventStream(events(true))).text();
    expect(text.trimEnd().split('\n\n').at(-1)).toBe(
      'event: error\ndata: {"type":"error","code":"internal_error","message":"the answer could not be completed"}',
    );
  });

  it('stops the generator when the client cancels', async () => {
    let finished = false;
    async function* endless(): AsyncGenerator<ChatEvent> {
      try {
        for (let i = 0; ; i += 1) yield { type: 'delta', tier: 'primary', text: `${i}` };
      } finally {
        finished = true;
      }
    }
    const reader = chatEventStream(endless()).getReader();
    await reader.read();
    await reader.cancel();
    expect(finished).toBe(true);
  });
});
