/** Turns texts into fixed-size vectors. Implementations: Workers AI (production), local (offline). */
export interface Embedder {
  /** Identifies the vector space; part of the embedding-cache key. */
  readonly model: string;
  readonly dimensions: number;
  /** One vector per input text, in order. Implementations batch internally. */
  embed(texts: string[]): Promise<number[][]>;
}
