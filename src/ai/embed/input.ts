import { clipToTokens } from '../tokens';

/**
 * Input limits of the embedding models, in tokens. The bge family reads at most 512 tokens and
 * silently drops the rest, so sending more only costs bytes and time. The local embedder has no
 * limit of its own; it takes bge-base's so offline runs see what production sees.
 */
export const MODEL_INPUT_TOKENS: Readonly<Record<string, number>> = {
  '@cf/baai/bge-small-en-v1.5': 512,
  '@cf/baai/bge-base-en-v1.5': 512,
  '@cf/baai/bge-large-en-v1.5': 512,
  'local-hash-v1': 512,
};
/** For a model override the table does not know: bge-base's limit. */
export const DEFAULT_INPUT_TOKENS = 512;

/**
 * The part of `text` a model reads: cut to its input limit by the project's token estimate (the
 * one the chunker sizes chunks by, so a chunk is never cut), at a word boundary.
 */
export function embeddingInput(text: string, model: string): string {
  return clipToTokens(text, MODEL_INPUT_TOKENS[model] ?? DEFAULT_INPUT_TOKENS);
}
