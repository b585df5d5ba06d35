import type { Embedder } from './embedder';
import { combineHashes, fmix32, fnv1a } from './hash';
import { embeddingInput } from './input';
import { porterStem } from './stem';
import { STOPWORDS, words } from './text';

export const LOCAL_EMBEDDING_MODEL = 'local-hash-v1';
export const LOCAL_EMBEDDING_DIMENSIONS = 768;

/** Relative weight of each feature family; changing any of them changes the model id. */
export interface LocalEmbedderWeights {
  /** Stemmed content words. */
  unigram: number;
  /** Adjacent stemmed content words ("boundary layer"). */
  bigram: number;
  /** 3-5 character grams within each content word, boundary-marked; catches morphology. */
  charGram: number;
}

export const DEFAULT_LOCAL_WEIGHTS: LocalEmbedderWeights = {
  unigram: 1,
  bigram: 0.3,
  charGram: 0.1,
};

const UNIGRAM_SEED = 0x811c9dc5;
const BIGRAM_SALT = 0x27d4eb2f;
const CHAR_SEED = 0x3c6ef372;
const MIN_GRAM = 3;
const MAX_GRAM = 5;

function count(counts: Map<number, number>, key: number): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

/** Adds every 3-5 gram of `<word>` to `counts`, hashing incrementally (no substrings). */
function countCharGrams(word: string, counts: Map<number, number>): void {
  const marked = `<${word}>`;
  const n = marked.length;
  for (let start = 0; start + MIN_GRAM <= n; start++) {
    let h = CHAR_SEED;
    const stop = Math.min(n, start + MAX_GRAM);
    for (let i = start; i < stop; i++) {
      h ^= marked.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
      if (i - start + 1 >= MIN_GRAM) count(counts, h >>> 0);
    }
  }
}

/** Signed feature hashing: each feature adds ±weight·(1 + ln tf) to one bucket. */
function accumulate(vector: Float64Array, counts: Map<number, number>, weight: number): void {
  if (weight === 0) return;
  const dims = vector.length;
  for (const [key, tf] of counts) {
    const h = fmix32(key);
    const bucket = (h & 0x7fffffff) % dims;
    const sign = h & 0x80000000 ? -1 : 1;
    vector[bucket] = vector[bucket]! + sign * weight * (1 + Math.log(tf));
  }
}

/** The feature vector of one text, L2-normalised. An empty text maps to a fixed unit vector. */
export function embedLocally(
  text: string,
  weights: LocalEmbedderWeights = DEFAULT_LOCAL_WEIGHTS,
  dimensions = LOCAL_EMBEDDING_DIMENSIONS,
): number[] {
  const unigrams = new Map<number, number>();
  const bigrams = new Map<number, number>();
  const charGrams = new Map<number, number>();
  let previous: number | undefined;
  for (const word of words(text)) {
    if (STOPWORDS.has(word)) continue;
    const term = fnv1a(porterStem(word), UNIGRAM_SEED);
    count(unigrams, term);
    if (previous !== undefined) count(bigrams, combineHashes(previous ^ BIGRAM_SALT, term));
    previous = term;
    if (weights.charGram !== 0) countCharGrams(word, charGrams);
  }

  const vector = new Float64Array(dimensions);
  accumulate(vector, unigrams, weights.unigram);
  accumulate(vector, bigrams, weights.bigram);
  accumulate(vector, charGrams, weights.charGram);

  let norm = 0;
  for (let i = 0; i < dimensions; i++) norm += vector[i]! * vector[i]!;
  const out = new Array<number>(dimensions);
  if (norm === 0) {
    out.fill(0);
    out[0] = 1;
    return out;
  }
  const scale = 1 / Math.sqrt(norm);
  for (let i = 0; i < dimensions; i++) out[i] = vector[i]! * scale;
  return out;
}

/**
 * Deterministic, dependency-free embedder for offline development and tests: feature
 * hashing of stemmed words, word bigrams and character n-grams. It captures lexical and
 * morphological overlap, not synonyms.
 */
export class LocalEmbedder implements Embedder {
  readonly model = LOCAL_EMBEDDING_MODEL;
  readonly dimensions = LOCAL_EMBEDDING_DIMENSIONS;

  async embed(texts: string[]): Promise<number[][]> {
    return texts.map((text) => embedLocally(embeddingInput(text, this.model)));
  }
}
