import { describe, expect, it } from 'vitest';
import type { Citation } from '../ai/answer/citations';
import { assignCiteIds } from '../ai/answer/passages';
import type { AnswerEvent, AnswerResult, FailoverDeps, FailoverRequest } from '../ai/llm/failover';
import type { LlmClient, LlmRequest } from '../ai/llm/types';
import { memoryBreakers } from '../ai/reliability/breakers';
import type { SemanticAnswerCache } from './answer-cache';
import { cacheFirst } from './cache-first';

const passages = assignCiteIds([
  {
    chunkId: 'k1',
    documentId: 'd1',
    text: 'The crane lifts 40 tonnes. It was built in 1999.',
    score: 1,
  },
]);

function scriptedLlm(text: string): LlmClient & { calls: LlmRequest[] } {
  const calls: LlmRequest[] = [];
  return {
    calls,
    async *stream(request) {
      calls.push(request);
      yield { type: 'delta', text };
      yield {
        type: 'done',
        usage: { inputTokens: 10, outputTokens: 5 },
        stopReason: 'end_turn',
        model: request.model,
      };
    },
  };
}

function memoryCache(): SemanticAnswerCache & {
  entries: Map<string, { text: string; citations: Citation[] }>;
  lookups: number;
} {
  const entries = new Map<string, { text: string; citations: Citation[] }>();
  const cache = {
    entries,
    lookups: 0,
    async lookup(question: string) {
      cache.lookups += 1;
      const hit = entries.get(question);
      return hit ? { id: 'e1', question, similarity: 1, ...hit } : null;
    },
    async store(question: string, answer: { text: string; citations: Citation[] }) {
      if (!answer.citations.some((c) => c.verified)) return false;
      entries.set(question, { text: answer.text, citations: answer.citations });
      return true;
    },
  };
  return cache;
}

async function run(
  answer: ReturnType<typeof cacheFirst>,
  deps: FailoverDeps,
  request: FailoverRequest,
): Promise<{ events: AnswerEvent[]; result: AnswerResult }> {
  const events: AnswerEvent[] = [];
  for await (const event of answer(deps, request)) events.push(event);
  const done = events.at(-1);
  if (done?.type !== 'done') throw new Error('no done event');
  return { events, result: done.result };
}

const deps = (llm: LlmClient): FailoverDeps => ({
  llm,
  models: { primary: 'claude-sonnet-4-5', secondary: 'claude-haiku-4-5' },
  breakers: memoryBreakers(),
});

describe('cacheFirst', () => {
  const question = 'How much does the crane lift?';
  const request: FailoverRequest = { question, passages, maxTokens: 100 };

  it('stores a verified model answer, then serves it without calling the model', async () => {
    const llm = scriptedLlm('It lifts 40 tonnes [c1: "The crane lifts 40 tonnes."]');
    const cache = memoryCache();
    const answer = cacheFirst(cache);
    const first = await run(answer, deps(llm), request);
    expect(first.result.tier).toBe('primary');
    expect(cache.entries.size).toBe(1);

    const second = await run(answer, deps(llm), request);
    expect(second.result).toMatchObject({
      tier: 'cache',
      text: first.result.text,
      costUsd: 0,
      skipped: [],
    });
    expect(second.result.citations).toEqual(first.result.citations);
    expect(
      second.events
        .filter((e) => e.type === 'delta')
        .map((e) => (e as { text: string }).text)
        .join(''),
    ).toBe(first.result.text);
    expect(llm.calls).toHaveLength(1);
  });

  it('does not store an answer whose citations do not verify', async () => {
    const cache = memoryCache();
    await run(cacheFirst(cache), deps(scriptedLlm('Forty [c1: "made up"]')), request);
    expect(cache.entries.size).toBe(0);
  });

  it('skips the first lookup for a follow-up question, which depends on the history', async () => {
    const cache = memoryCache();
    cache.entries.set(question, { text: 'cached', citations: [] });
    const llm = scriptedLlm('It lifts 40 tonnes [c1: "The crane lifts 40 tonnes."]');
    const { result } = await run(cacheFirst(cache), deps(llm), {
      ...request,
      history: {
        summary: null,
        turns: [
          { role: 'user', content: 'Tell me about the crane.' },
          { role: 'assistant', content: 'Sure.' },
        ],
      },
    });
    expect(result.tier).toBe('primary');
    expect(cache.lookups).toBe(0);
    expect(llm.calls).toHaveLength(1);
  });

  it('lets a follow-up fall back to the cache when the models are unavailable', async () => {
    const cache = memoryCache();
    cache.entries.set(question, { text: 'cached answer', citations: [] });
    const { result } = await run(
      cacheFirst(cache),
      { ...deps(scriptedLlm('')), llm: null },
      {
        ...request,
        history: { summary: 'Earlier: the crane.', turns: [] },
      },
    );
    expect(result.tier).toBe('cache');
    expect(result.skipped.map((s) => s.reason)).toEqual(['not_configured', 'not_configured']);
  });
});
