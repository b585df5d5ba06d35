import { clipToTokens } from '../../ai/tokens';
import { rankResults, type RerankCandidate, type Reranker, type RerankResult } from './reranker';

export const WORKERS_AI_RERANK_MODEL = '@cf/baai/bge-reranker-base';
/** Contexts per call; scores are per (query, context) pair, so batches merge directly. */
const MAX_CONTEXTS = 100;
/**
 * The cross-encoder reads 512 tokens of query and context together; longer text is cut, the
 * query (up to 16,000 characters on /v1/search) to its first 128, each context to 384.
 */
export const RERANK_QUERY_TOKENS = 128;
export const RERANK_CONTEXT_TOKENS = 384;

export interface RerankRunner {
  run(
    model: string,
    inputs: { query: string; contexts: { text: string }[]; top_k?: number },
  ): Promise<unknown>;
}

interface RerankOutput {
  response?: { id?: number; score?: number }[];
}

/** Cross-encoder reranking on Workers AI (`{ query, contexts, top_k }` -> `{ response: [{id, score}] }`). */
export class WorkersAiReranker implements Reranker {
  private readonly ai: RerankRunner;

  constructor(
    ai: Ai | RerankRunner,
    readonly model: string = WORKERS_AI_RERANK_MODEL,
  ) {
    this.ai = ai as RerankRunner;
  }

  async rerank(
    query: string,
    candidates: RerankCandidate[],
    topN?: number,
  ): Promise<RerankResult[]> {
    if (candidates.length === 0 || topN === 0) return [];
    const results: RerankResult[] = [];
    for (let start = 0; start < candidates.length; start += MAX_CONTEXTS) {
      const batch = candidates.slice(start, start + MAX_CONTEXTS);
      const output = (await this.ai.run(this.model, {
        query: clipToTokens(query, RERANK_QUERY_TOKENS),
        contexts: batch.map((c) => ({ text: clipToTokens(c.text, RERANK_CONTEXT_TOKENS) })),
        top_k: batch.length,
      })) as RerankOutput;
      for (const item of output?.response ?? []) {
        const candidate = item.id === undefined ? undefined : batch[item.id];
        if (!candidate || typeof item.score !== 'number') {
          throw new Error(`${this.model} returned an invalid result: ${JSON.stringify(item)}`);
        }
        results.push({ id: candidate.id, score: item.score });
      }
    }
    return rankResults(results, topN);
  }
}
