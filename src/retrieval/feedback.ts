/** Weight of the feedback centroid against the query vector (Rocchio's beta, alpha = 1). */
export const FEEDBACK_WEIGHT = 0.75;

/**
 * Pseudo-relevance feedback: moves the query vector toward the centroid of the top lexical
 * results, so the semantic leg also finds passages phrased like the ones BM25 trusts most. The
 * feedback vectors come back with the keyword leg (keywordSearch's `feedback` option).
 */
export function expandQuery(
  query: number[],
  feedback: number[][],
  weight = FEEDBACK_WEIGHT,
): number[] {
  if (feedback.length === 0) return query;
  const out = query.slice();
  for (const vector of feedback) {
    for (let i = 0; i < out.length; i++) out[i]! += (weight * (vector[i] ?? 0)) / feedback.length;
  }
  let norm = 0;
  for (const v of out) norm += v * v;
  norm = Math.sqrt(norm) || 1;
  return out.map((v) => v / norm);
}
