import type { Embedder } from './embedder';
import { LocalEmbedder } from './local';
import { WorkersAiEmbedder } from './workers-ai';

export interface EmbedderConfig {
  EMBEDDING_BACKEND?: string;
  AI?: Ai;
  EMBEDDING_MODEL?: string;
}

/** Workers AI when configured and bound; otherwise the deterministic local embedder. */
export function createEmbedder(env: EmbedderConfig): Embedder {
  if (env.EMBEDDING_BACKEND === 'workers-ai' && env.AI) {
    return env.EMBEDDING_MODEL
      ? new WorkersAiEmbedder(env.AI, env.EMBEDDING_MODEL)
      : new WorkersAiEmbedder(env.AI);
  }
  return new LocalEmbedder();
}
