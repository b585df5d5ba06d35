import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { parseSse } from '../../src/client/sse';
import { buildAnswerPrompt } from '../../src/ai/llm/prompt';
import { freshKey, received, script } from './fake';
import { samplePassages } from './passages';

function body(stream: boolean) {
  const prompt = buildAnswerPrompt({
    question: 'How long does international shipping take?',
    passages: samplePassages(),
  });
  return JSON.stringify({
    model: 'claude-haiku-4-5',
    max_tokens: 300,
    stream,
    system: prompt.system,
    messages: prompt.messages,
  });
}

const post = (headers: Record<string, string>, payload: string) =>
  fetch(`${env.ANTHROPIC_BASE_URL}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', ...headers },
    body: payload,
  });

describe('fake Messages API wire format', () => {
  it('answers JSON with x-api-key, quoting and citing the best passage', async () => {
    const apiKey = freshKey();
    const res = await post({ 'x-api-key': apiKey }, body(false));
    expect(res.status).toBe(200);
    const message = (await res.json()) as any;
    expect(message).toMatchObject({
      type: 'message',
      role: 'assistant',
      model: 'claude-haiku-4-5',
      stop_reason: 'end_turn',
      content: [{ type: 'text' }],
    });
    expect(message.content[0].text).toContain(
      '[c2: "International shipping takes up to three weeks."]',
    );
    expect(message.usage.input_tokens).toBeGreaterThan(100);
    expect((await received(apiKey))[0]).toMatchObject({ stream: false, max_tokens: 300 });
  });

  it('streams the real SSE event sequence with a bearer key', async () => {
    const res = await post({ authorization: `Bearer ${freshKey()}` }, body(true));
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const events = [];
    for await (const event of parseSse(res.body!)) events.push(event);
    const names = events.map((e) => e.event);
    const distinct = names.filter((n, i) => n !== names[i - 1]);
    expect(distinct).toEqual([
      'message_start',
      'content_block_start',
      'ping',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    const delta = JSON.parse(events.find((e) => e.event === 'message_delta')!.data);
    expect(delta).toMatchObject({
      delta: { stop_reason: 'end_turn' },
      usage: { output_tokens: expect.any(Number) },
    });
  });

  it('rejects a request without a key, and returns scripted errors in the API error shape', async () => {
    expect((await post({}, body(false))).status).toBe(401);
    const apiKey = freshKey();
    await script(apiKey, undefined, [{ status: 529, retryAfter: 3 }]);
    const res = await post({ 'x-api-key': apiKey }, body(false));
    expect(res.status).toBe(529);
    expect(res.headers.get('retry-after')).toBe('3');
    expect(await res.json()).toEqual({
      type: 'error',
      error: { type: 'overloaded_error', message: 'scripted failure' },
    });
    // The queue is consumed: the next call succeeds.
    expect((await post({ 'x-api-key': apiKey }, body(false))).status).toBe(200);
  });
});
