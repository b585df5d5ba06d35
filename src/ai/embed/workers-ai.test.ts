import { describe, expect, it } from 'vitest';
import { createEmbedder } from './index';
import { LocalEmbedder } from './local';
import { estimateTokens } from '../tokens';
import { WorkersAiEmbedder, type EmbeddingRunner } from './workers-ai';

/** Stands in for the Ai binding: records calls and returns one vector per text. */
function fakeAi(dimensions = 768) {
  const calls: { model: string; text: string[] }[] = [];
  const ai: EmbeddingRunner = {
    async run(model, inputs) {
      if (inputs.text.length > 100) throw new Error('batch too large');
      calls.push({ model, text: inputs.text });
      // Encode the text's length in the vector so order can be checked.
      return {
        shape: [inputs.text.length, dimensions],
        data: inputs.text.map((t) => new Array(dimensions).fill(t.length)),
      };
    },
  };
  return { ai, calls };
}

describe('WorkersAiEmbedder', () => {
  it('splits into batches of at most 100 and keeps order', async () => {
    const { ai, calls } = fakeAi();
    const texts = Array.from({ length: 250 }, (_, i) => 'x'.repeat(i + 1));
    const vectors = await new WorkersAiEmbedder(ai).embed(texts);
    expect(calls.map((c) => c.text.length)).toEqual([100, 100, 50]);
    expect(calls.every((c) => c.model === '@cf/baai/bge-base-en-v1.5')).toBe(true);
    expect(vectors.map((v) => v[0])).toEqual(texts.map((t) => t.length));
  });

  it('cuts each input to bge-base’s 512 tokens at a word boundary, and leaves short ones alone', async () => {
    const { ai, calls } = fakeAi();
    const long = 'pressure distribution '.repeat(2000); // 44,000 chars, ~4,000 tokens
    const short = 'lift of a swept wing';
    await new WorkersAiEmbedder(ai).embed([long, short]);
    const [sent, kept] = calls[0]!.text;
    expect(estimateTokens(sent!)).toBeLessThanOrEqual(512);
    expect(estimateTokens(sent!)).toBeGreaterThan(500);
    expect(long.startsWith(sent!)).toBe(true);
    expect(sent!.endsWith('distribution')).toBe(true);
    expect(kept).toBe(short);
  });

  it('cuts a 16,000-character query that is a single run of CJK text by tokens, not characters', async () => {
    const { ai, calls } = fakeAi();
    await new WorkersAiEmbedder(ai).embed(['翼'.repeat(16_000)]);
    // One token per CJK character: 512 characters, not a character budget's 2,000.
    expect(calls[0]!.text[0]).toBe('翼'.repeat(512));
  });

  it('rejects a response with the wrong number of vectors or dimensions', async () => {
    const short: EmbeddingRunner = { run: async () => ({ data: [] }) };
    await expect(new WorkersAiEmbedder(short).embed(['a'])).rejects.toThrow(/0 vectors for 1/);
    const { ai } = fakeAi(384);
    await expect(new WorkersAiEmbedder(ai).embed(['a'])).rejects.toThrow(/384 dimensions/);
  });

  it('makes no call for an empty input', async () => {
    const { ai, calls } = fakeAi();
    expect(await new WorkersAiEmbedder(ai).embed([])).toEqual([]);
    expect(calls).toHaveLength(0);
  });
});

describe('createEmbedder', () => {
  const { ai } = fakeAi();
  const binding = ai as unknown as Ai;

  it('uses Workers AI only when configured and bound', () => {
    expect(createEmbedder({ EMBEDDING_BACKEND: 'workers-ai', AI: binding })).toBeInstanceOf(
      WorkersAiEmbedder,
    );
    expect(createEmbedder({ EMBEDDING_BACKEND: 'workers-ai' })).toBeInstanceOf(LocalEmbedder);
    expect(createEmbedder({ EMBEDDING_BACKEND: 'local', AI: binding })).toBeInstanceOf(
      LocalEmbedder,
    );
    expect(createEmbedder({})).toBeInstanceOf(LocalEmbedder);
  });

  it('honours a model override', () => {
    const embedder = createEmbedder({
      EMBEDDING_BACKEND: 'workers-ai',
      AI: binding,
      EMBEDDING_MODEL: '@cf/x/y',
    });
    expect(embedder.model).toBe('@cf/x/y');
  });
});
