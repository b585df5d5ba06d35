import { contentTerms } from '../../ai/embed/text';
import { rankResults, type RerankCandidate, type Reranker, type RerankResult } from './reranker';

const K1 = 1.2;
const B = 0.75;
/** Share of the score from BM25, idf-weighted query coverage, and in-order adjacency. */
const WEIGHTS = { bm25: 0.5, coverage: 0.35, proximity: 0.15 };

/**
 * Offline reranker: BM25 with statistics from the candidate set itself, plus how much of
 * the query (weighted by idf) a candidate covers and how many of the query's adjacent term
 * pairs appear adjacent in it. Rewards passages that answer the whole query, not one word.
 */
export class LexicalReranker implements Reranker {
  readonly model = 'lexical-v1';

  async rerank(
    query: string,
    candidates: RerankCandidate[],
    topN?: number,
  ): Promise<RerankResult[]> {
    return rankResults(scoreLexically(query, candidates), topN);
  }
}

export function scoreLexically(query: string, candidates: RerankCandidate[]): RerankResult[] {
  const queryTerms = contentTerms(query);
  const uniqueQuery = [...new Set(queryTerms)];
  const docs = candidates.map((c) => contentTerms(c.text));
  if (uniqueQuery.length === 0 || docs.length === 0) {
    return candidates.map((c) => ({ id: c.id, score: 0 }));
  }

  const n = docs.length;
  const avgLength = docs.reduce((sum, d) => sum + d.length, 0) / n || 1;
  const idf = new Map<string, number>();
  for (const term of uniqueQuery) {
    const df = docs.filter((d) => d.includes(term)).length;
    idf.set(term, Math.log(1 + (n - df + 0.5) / (df + 0.5)));
  }
  // A floor so a term found in every candidate still counts towards coverage.
  const coverageWeight = (t: string) => idf.get(t)! + 0.1;
  const totalCoverage = uniqueQuery.reduce((sum, t) => sum + coverageWeight(t), 0);
  const queryPairs = new Set<string>();
  for (let i = 1; i < queryTerms.length; i++)
    queryPairs.add(`${queryTerms[i - 1]} ${queryTerms[i]}`);

  const raw = docs.map((terms) => {
    const tf = new Map<string, number>();
    for (const t of terms) tf.set(t, (tf.get(t) ?? 0) + 1);
    let bm25 = 0;
    let covered = 0;
    for (const term of uniqueQuery) {
      const f = tf.get(term);
      if (!f) continue;
      bm25 += (idf.get(term)! * f * (K1 + 1)) / (f + K1 * (1 - B + (B * terms.length) / avgLength));
      covered += coverageWeight(term);
    }
    let adjacent = 0;
    if (queryPairs.size) {
      const pairs = new Set<string>();
      for (let i = 1; i < terms.length; i++) pairs.add(`${terms[i - 1]} ${terms[i]}`);
      for (const pair of queryPairs) if (pairs.has(pair)) adjacent++;
    }
    return {
      bm25,
      coverage: covered / totalCoverage,
      proximity: queryPairs.size ? adjacent / queryPairs.size : 0,
    };
  });

  const maxBm25 = Math.max(...raw.map((r) => r.bm25)) || 1;
  return candidates.map((c, i) => {
    const r = raw[i]!;
    const score =
      WEIGHTS.bm25 * (r.bm25 / maxBm25) +
      WEIGHTS.coverage * r.coverage +
      WEIGHTS.proximity * r.proximity;
    return { id: c.id, score };
  });
}
