/**
 * How much of each query term's postings list keyword search reads (pure; the statement is in
 * keyword.ts, the impact order in migrations/0017).
 *
 * A query reads at most `budget` postings, whatever the tenant's size: that is what keeps its
 * cost flat as the tenant grows. The budget is shared out like water filling a row of glasses,
 * most selective term first: a term whose list fits its fair share of what is left is read
 * whole and leaves the rest to the others, and a list longer than its share is cut to its head.
 * Lists are stored in impact order (BM25's tf factor, best first), so a cut list loses its
 * weakest postings. Rare terms, which carry the most idf, are the ones read whole.
 *
 * While every list fits (the terms' df sum to at most the budget), the result is the exact BM25
 * top k. Past it, the result is the exact top k of the chunks read, each re-scored over every
 * term: a chunk whose only matches are in the cut tails of common terms can be missed.
 * `npm run bench -- keyword` prints how often the ranking then differs from the exact one.
 */
import type { KeywordTerm } from './keyword-plan';

/**
 * Postings a query reads at most: about 20 ms of index at the embedded Postgres's ~1 µs a
 * posting. On the Cranfield benchmark tenant, no query's lists are cut up to ~3,000 chunks and
 * 3 of 60 at 10,000 (`npm run bench -- keyword`).
 */
export const READ_BUDGET = 20_000;

export interface ReadPlan {
  /** Postings to read from each term's list, in the terms' order. */
  reads: number[];
  /** Every list is read whole: the ranking is exact. */
  complete: boolean;
}

/**
 * Shares `budget` postings among the terms (see the module comment). Each term is read to at
 * least `floor` postings (or its whole list, if shorter), so that even a query of many common
 * terms sees each term's best chunks; the floor can take the total past the budget.
 */
export function planReads(
  terms: Pick<KeywordTerm, 'df'>[],
  budget = READ_BUDGET,
  floor = 0,
): ReadPlan {
  const order = terms.map((t, i) => ({ df: t.df, i })).sort((a, b) => a.df - b.df || a.i - b.i);
  const reads = new Array<number>(terms.length).fill(0);
  let left = budget;
  order.forEach(({ df, i }, k) => {
    const share = Math.floor(Math.max(0, left) / (order.length - k));
    reads[i] = Math.min(df, Math.max(share, floor));
    left -= reads[i]!;
  });
  return { reads, complete: reads.every((n, i) => n >= terms[i]!.df) };
}
