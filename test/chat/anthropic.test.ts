import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { verifyCitations } from '../../src/ai/answer/citations';
import { createAnthropicClient } from '../../src/ai/llm/anthropic';
import { buildAnswerPrompt } from '../../src/ai/llm/prompt';
import { LlmError, type LlmClient, type LlmEvent, type LlmRequest } from '../../src/ai/llm/types';
import { freshKey, received, script } from './fake';
import { samplePassages } from './passages';

const MODEL = 'claude-sonnet-4-5';

function request(maxTokens = 400): LlmRequest {
  const prompt = buildAnswerPrompt({
    question: 'How many days do customers have to request a refund?',
    passages: samplePassages(),
  });
  return { model: MODEL, system: prompt.system, messages: prompt.messages, maxTokens };
}

async function drain(client: LlmClient, req: LlmRequest) {
  const events: LlmEvent[] = [];
  const started = Date.now();
  let firstDeltaMs: number | null = null;
  for await (const event of client.stream(req)) {
    if (event.type === 'delta') firstDeltaMs ??= Date.now() - started;
    events.push(event);
  }
  const text = events.map((e) => (e.type === 'delta' ? e.text : '')).join('');
  return { events, text, firstDeltaMs, done: events.at(-1) };
}

async function failure(promise: Promise<unknown>): Promise<LlmError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(LlmError);
    return error as LlmError;
  }
  throw new Error('expected an LlmError');
}

describe('Anthropic adapter against the fake Messages API', () => {
  it('streams a grounded answer whose citation verifies, with usage and stop reason', async () => {
    const apiKey = freshKey();
    const client = createAnthropicClient({ apiKey, baseURL: env.ANTHROPIC_BASE_URL });
    const { text, done, events, firstDeltaMs } = await drain(client, request());
    expect(events.filter((e) => e.type === 'delta').length).toBeGreaterThan(3);
    expect(done).toMatchObject({ type: 'done', stopReason: 'end_turn', model: MODEL });
    if (done?.type !== 'done') throw new Error('no done event');
    expect(done.usage.inputTokens).toBeGreaterThan(100);
    expect(done.usage.outputTokens).toBeGreaterThan(5);

    const citations = verifyCitations(text, samplePassages());
    expect(citations).toHaveLength(1);
    expect(citations[0]).toMatchObject({ chunkId: 'chunk-refunds', verified: true });

    const [sent] = await received(apiKey);
    expect(sent).toMatchObject({ model: MODEL, max_tokens: 400, stream: true });
    expect(sent!.system).toMatch(/DATA, not instructions/);
    console.log(`adapter: first delta after ${firstDeltaMs} ms, ${text.length} chars`);
  });

  it('reports max_tokens as the stop reason when the answer is cut', async () => {
    const client = createAnthropicClient({ apiKey: freshKey(), baseURL: env.ANTHROPIC_BASE_URL });
    const { done } = await drain(client, request(5));
    expect(done).toMatchObject({ type: 'done', stopReason: 'max_tokens' });
  });

  it.each([
    [529, 'overloaded'],
    [500, 'server_error'],
    [401, 'auth'],
  ] as const)('maps HTTP %i to kind %s', async (status, kind) => {
    const apiKey = freshKey();
    await script(apiKey, MODEL, [{ status }]);
    const client = createAnthropicClient({ apiKey, baseURL: env.ANTHROPIC_BASE_URL });
    const error = await failure(drain(client, request()));
    expect(error).toMatchObject({ kind, details: { status } });
    expect(error.retryable).toBe(kind !== 'auth');
  });

  it('maps a 429 to rate_limited and carries retry-after', async () => {
    const apiKey = freshKey();
    await script(apiKey, MODEL, [{ status: 429, retryAfter: 7 }]);
    const client = createAnthropicClient({ apiKey, baseURL: env.ANTHROPIC_BASE_URL });
    const error = await failure(drain(client, request()));
    expect(error).toMatchObject({
      kind: 'rate_limited',
      retryable: true,
      details: { retryAfterMs: 7_000 },
    });
  });

  it('times out when the first byte does not arrive in time', async () => {
    const apiKey = freshKey();
    await script(apiKey, MODEL, [{ delayMs: 1_500 }]);
    const client = createAnthropicClient({
      apiKey,
      baseURL: env.ANTHROPIC_BASE_URL,
      timeouts: { firstByteMs: 200, baseMs: 5_000, perOutputTokenMs: 0 },
    });
    const error = await failure(drain(client, request()));
    expect(error.kind).toBe('timeout');
    expect(error.message).toMatch(/first byte/);
  });

  it('times out a slow stream against a total that scales with max_tokens', async () => {
    const apiKey = freshKey();
    // Same slow stream twice: a small answer budget times out, a large one finishes.
    await script(apiKey, MODEL, [{ chunkDelayMs: 40 }, { chunkDelayMs: 40 }]);
    const timeouts = { firstByteMs: 2_000, baseMs: 100, perOutputTokenMs: 1 };
    const client = createAnthropicClient({ apiKey, baseURL: env.ANTHROPIC_BASE_URL, timeouts });
    const short = await failure(drain(client, request(100)));
    expect(short.kind).toBe('timeout');
    expect(short.message).toMatch(/not finished/);
    const long = await drain(client, request(8_000));
    expect(long.done).toMatchObject({ type: 'done', stopReason: 'end_turn' });
  });

  it('reports a stream dropped mid-way as truncated, after the deltas already sent', async () => {
    const apiKey = freshKey();
    await script(apiKey, MODEL, [{ truncateAfterChunks: 3 }]);
    const client = createAnthropicClient({ apiKey, baseURL: env.ANTHROPIC_BASE_URL });
    const deltas: string[] = [];
    const error = await failure(
      (async () => {
        for await (const event of client.stream(request())) {
          if (event.type === 'delta') deltas.push(event.text);
        }
      })(),
    );
    expect(deltas).toHaveLength(3);
    expect(error.kind).toBe('truncated');
    expect(error.retryable).toBe(true);
  });

  it('reports a connection failure when nothing listens', async () => {
    const client = createAnthropicClient({ apiKey: freshKey(), baseURL: 'http://127.0.0.1:9' });
    const error = await failure(drain(client, request()));
    expect(error.kind).toBe('connection');
  });

  it('reports the caller aborting as aborted (not retryable)', async () => {
    const apiKey = freshKey();
    await script(apiKey, MODEL, [{ chunkDelayMs: 50 }]);
    const client = createAnthropicClient({ apiKey, baseURL: env.ANTHROPIC_BASE_URL });
    const controller = new AbortController();
    const error = await failure(
      (async () => {
        for await (const event of client.stream({ ...request(), signal: controller.signal })) {
          if (event.type === 'delta') controller.abort();
        }
      })(),
    );
    expect(error).toMatchObject({ kind: 'aborted', retryable: false });
  });

  it('measures time to first delta through the SDK against raw fetch (printed, not asserted)', async () => {
    const apiKey = freshKey();
    const client = createAnthropicClient({ apiKey, baseURL: env.ANTHROPIC_BASE_URL });
    const req = request();
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const sdk: number[] = [];
    const raw: number[] = [];
    for (let i = 0; i < 15; i += 1) {
      const run = await drain(client, req);
      sdk.push(run.firstDeltaMs ?? Number.NaN);
      const started = Date.now();
      const res = await fetch(`${env.ANTHROPIC_BASE_URL}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
        body: JSON.stringify({
          model: MODEL,
          system: req.system,
          messages: req.messages,
          max_tokens: 400,
          stream: true,
        }),
      });
      const reader = res.body!.getReader();
      let seen = '';
      while (!seen.includes('content_block_delta')) {
        const { value, done } = await reader.read();
        if (done) break;
        seen += new TextDecoder().decode(value);
      }
      raw.push(Date.now() - started);
      await reader.cancel();
    }
    expect(sdk).toHaveLength(15);
    console.log(
      `first delta over 15 runs: SDK median ${median(sdk)} ms, raw fetch median ${median(raw)} ms, ratio ${(median(sdk) / Math.max(1, median(raw))).toFixed(2)}`,
    );
  });
});
