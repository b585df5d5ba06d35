import type { Embedder } from './embedder';
import { embeddingInput } from './input';

export const WORKERS_AI_EMBEDDING_MODEL = '@cf/baai/bge-base-en-v1.5';
/** Texts per `run` call accepted by bge-base on Workers AI. */
export const WORKERS_AI_MAX_BATCH = 100;
/** The part of the `Ai` binding this adapter uses; the real binding satisfies it. */
export interface EmbeddingRunner {
  run(model: string, inputs: { text: string[] }): Promise<unknown>;
}

export class WorkersAiEmbedder implements Embedder {
  readonly dimensions = 768;
  private readonly ai: EmbeddingRunner;

  constructor(
    ai: Ai | EmbeddingRunner,
    readonly model: string = WORKERS_AI_EMBEDDING_MODEL,
  ) {
    this.ai = ai as EmbeddingRunner;
  }

  async embed(texts: string[]): Promise<number[][]> {
    const vectors: number[][] = [];
    for (let start = 0; start < texts.length; start += WORKERS_AI_MAX_BATCH) {
      const batch = texts
        .slice(start, start + WORKERS_AI_MAX_BATCH)
        .map((t) => embeddingInput(t, this.model));
      const output = (await this.ai.run(this.model, { text: batch })) as { data?: number[][] };
      const data = output?.data;
      if (!Array.isArray(data) || data.length !== batch.length) {
        throw new Error(
          `${this.model} returned ${Array.isArray(data) ? data.length : 'no'} vectors for ${batch.length} texts`,
        );
      }
      for (const vector of data) {
        if (vector.length !== this.dimensions) {
          throw new Error(
            `${this.model} returned ${vector.length} dimensions, expected ${this.dimensions}`,
          );
        }
        vectors.push(vector);
      }
    }
    return vectors;
  }
}
