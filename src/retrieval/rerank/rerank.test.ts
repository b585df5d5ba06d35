import { describe, expect, it } from 'vitest';
import { createReranker } from './index';
import { LexicalReranker } from './lexical';
import { estimateTokens } from '../../ai/tokens';
import { RERANK_QUERY_TOKENS, WorkersAiReranker, type RerankRunner } from './workers-ai';

const candidates = [
  { id: 'recipe', text: 'Whisk the eggs and sugar, then bake the sponge for twenty minutes.' },
  {
    id: 'partial',
    text: 'Heat transfer in laminar flow was measured for several Reynolds numbers.',
  },
  {
    id: 'answer',
    text: 'We measured the heat transfer of a turbulent boundary layer at hypersonic speed; the turbulent boundary layer heating exceeded laminar predictions.',
  },
  { id: 'mention', text: 'Boundary conditions for the plate were clamped on all edges.' },
];

describe('LexicalReranker', () => {
  it('puts the passage covering the whole query first and unrelated text last', async () => {
    const ranked = await new LexicalReranker().rerank(
      'heat transfer in a turbulent boundary layer',
      candidates,
    );
    expect(ranked.map((r) => r.id)).toEqual(['answer', 'partial', 'mention', 'recipe']);
    expect(ranked[3]!.score).toBe(0);
  });

  it('rewards query terms that appear adjacent, not just present', async () => {
    const ranked = await new LexicalReranker().rerank('boundary layer', [
      { id: 'scattered', text: 'The layer of paint near the boundary of the field dried quickly.' },
      { id: 'phrase', text: 'The boundary layer of the wing separated near the trailing edge.' },
    ]);
    expect(ranked[0]!.id).toBe('phrase');
  });

  it('honours topN and handles empty input', async () => {
    const reranker = new LexicalReranker();
    expect(await reranker.rerank('heat', candidates, 2)).toHaveLength(2);
    expect(await reranker.rerank('heat', [])).toEqual([]);
    expect((await reranker.rerank('the of', candidates)).every((r) => r.score === 0)).toBe(true);
  });
});

/** Stands in for the Ai binding: scores each context by how many query words it contains. */
function fakeAi() {
  const calls: { model: string; contexts: number; top_k?: number }[] = [];
  const ai: RerankRunner = {
    async run(model, inputs) {
      calls.push({ model, contexts: inputs.contexts.length, top_k: inputs.top_k });
      const words = inputs.query.toLowerCase().split(/\s+/);
      const response = inputs.contexts
        .map((c, id) => ({
          id,
          score: words.filter((w) => c.text.toLowerCase().includes(w)).length / words.length,
        }))
        .sort((a, b) => b.score - a.score)
        .slice(0, inputs.top_k);
      return { response };
    },
  };
  return { ai, calls };
}

describe('WorkersAiReranker', () => {
  it('maps response indexes back to candidate ids, best first', async () => {
    const { ai, calls } = fakeAi();
    const ranked = await new WorkersAiReranker(ai).rerank(
      'turbulent boundary layer heat',
      candidates,
      2,
    );
    expect(ranked.map((r) => r.id)).toEqual(['answer', 'partial']);
    expect(calls).toEqual([{ model: '@cf/baai/bge-reranker-base', contexts: 4, top_k: 4 }]);
  });

  it('splits large candidate sets into batches and merges them', async () => {
    const { ai, calls } = fakeAi();
    const many = Array.from({ length: 150 }, (_, i) => ({
      id: `c${i}`,
      text: i === 120 ? 'wing flutter' : `panel ${i}`,
    }));
    const ranked = await new WorkersAiReranker(ai).rerank('wing flutter', many, 1);
    expect(ranked).toEqual([{ id: 'c120', score: 1 }]);
    expect(calls.map((c) => c.contexts)).toEqual([100, 50]);
  });

  it('cuts a long query and long contexts to the cross-encoder’s shared 512 tokens', async () => {
    const sent: { query: string; contexts: { text: string }[] }[] = [];
    const ai: RerankRunner = {
      async run(_model, inputs) {
        sent.push(inputs);
        return { response: inputs.contexts.map((_, id) => ({ id, score: 1 })) };
      },
    };
    const query = 'supersonic flutter of wing panels '.repeat(500).trim(); // ~16,500 chars
    await new WorkersAiReranker(ai).rerank(query, [
      { id: 'a', text: 'panel flutter '.repeat(400) },
    ]);
    const { query: q, contexts } = sent[0]!;
    expect(estimateTokens(q)).toBeLessThanOrEqual(RERANK_QUERY_TOKENS);
    expect(estimateTokens(q)).toBeGreaterThan(RERANK_QUERY_TOKENS - 10);
    expect(query.startsWith(q)).toBe(true);
    expect(estimateTokens(q) + estimateTokens(contexts[0]!.text)).toBeLessThanOrEqual(512);
  });

  it('rejects a malformed response', async () => {
    const ai: RerankRunner = { run: async () => ({ response: [{ id: 9, score: 1 }] }) };
    await expect(new WorkersAiReranker(ai).rerank('q', candidates)).rejects.toThrow(
      /invalid result/,
    );
  });

  it('is chosen only when configured and bound', () => {
    const { ai } = fakeAi();
    const binding = ai as unknown as Ai;
    expect(createReranker({ RERANK_BACKEND: 'workers-ai', AI: binding })).toBeInstanceOf(
      WorkersAiReranker,
    );
    expect(createReranker({ RERANK_BACKEND: 'workers-ai' })).toBeInstanceOf(LexicalReranker);
    expect(createReranker({})).toBeInstanceOf(LexicalReranker);
  });
});
