import { LexicalReranker } from './lexical';
import type { Reranker } from './reranker';
import { WorkersAiReranker } from './workers-ai';

export interface RerankerConfig {
  RERANK_BACKEND?: string;
  RERANK_MODEL?: string;
  AI?: Ai;
}

/** The Workers AI cross-encoder when configured and bound; otherwise the lexical reranker. */
export function createReranker(env: RerankerConfig): Reranker {
  if (env.RERANK_BACKEND === 'workers-ai' && env.AI) {
    return env.RERANK_MODEL
      ? new WorkersAiReranker(env.AI, env.RERANK_MODEL)
      : new WorkersAiReranker(env.AI);
  }
  return new LexicalReranker();
}
