export interface RerankCandidate {
  id: string;
  text: string;
}

export interface RerankResult {
  id: string;
  /** Higher is more relevant; comparable only within one call. */
  score: number;
}

/** Reorders retrieved candidates by relevance to the query. */
export interface Reranker {
  readonly model: string;
  /** Best first; at most `topN` results (default: all candidates). */
  rerank(query: string, candidates: RerankCandidate[], topN?: number): Promise<RerankResult[]>;
}

/** Sorts by score (ties keep candidate order) and cuts to topN. */
export function rankResults(results: RerankResult[], topN?: number): RerankResult[] {
  const ranked = results
    .map((r, i) => ({ r, i }))
    .sort((a, b) => b.r.score - a.r.score || a.i - b.i)
    .map(({ r }) => r);
  return topN === undefined ? ranked : ranked.slice(0, Math.max(0, topN));
}
