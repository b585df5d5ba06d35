/**
 * How keyword search picks the chunks it scores (pure; the statements are in keyword.ts).
 *
 * BM25 is a sum over the query's terms of idf(t) · tf-part(t, d), and the tf-part is below
 * k1 + 1 whatever tf and document length are. So each term has an upper bound on what it can add,
 * `upper(t) = idf(t) · (k1 + 1)`, and that is enough to find the exact top k without scoring
 * every chunk that holds a query term (the MaxScore idea, with the GIN index doing the set work):
 *
 * 1. The most selective terms (lowest df) whose postings fit in a budget generate candidates;
 *    the rest only score them. Every candidate is scored exactly over all terms.
 * 2. A chunk holding no generating term scores at most the sum of the other terms' bounds. If
 *    the k-th best candidate already reaches that, nothing unseen can enter the top k: done.
 * 3. Otherwise one more pass takes exactly the chunks that could still reach the k-th score θ:
 *    those holding a set of the remaining terms whose bounds add up to θ (a tsquery of ANDs the
 *    GIN index answers from its posting lists, without reading a row), and scores them too.
 *
 * The result is the exact BM25 top k either way; the budget only decides how much work step 1
 * does and how often step 3 runs. Common terms carry little idf, so their bounds are small and
 * step 3's conjunctions are selective: the work follows the query's rare terms, not the tenant.
 */
/** BM25 parameters: the classic Robertson/Lucene defaults. */
export const BM25 = { k1: 1.2, b: 0.75 } as const;

/** A query term with its document frequency and idf in the tenant's served chunks. */
export interface KeywordTerm {
  lexeme: string;
  df: number;
  idf: number;
}

/**
 * Postings (sum of df) the generating terms may cover. Every candidate costs a row read and a
 * scored tsvector; this keeps step 1 near a couple of thousand rows however large the tenant.
 */
export const CANDIDATE_BUDGET = 2000;

/** Beyond this many ANDed clauses, step 3 ORs the terms that could matter instead (a superset). */
export const MAX_CLAUSES = 64;

/** The most a term can add to any chunk's score. */
export const upperBound = (term: KeywordTerm) => term.idf * (BM25.k1 + 1);

export interface CandidatePlan {
  /** Terms whose chunks are all scored (most selective first). */
  generating: KeywordTerm[];
  /** Terms that only score candidates, unless step 3 runs. */
  rest: KeywordTerm[];
  /** The highest score a chunk holding no generating term can have. */
  restBound: number;
}

/** Splits the terms (any order) into generating and scoring-only ones; see the module comment. */
export function planCandidates(terms: KeywordTerm[], budget = CANDIDATE_BUDGET): CandidatePlan {
  const sorted = [...terms].sort((a, b) => a.df - b.df || (a.lexeme < b.lexeme ? -1 : 1));
  let postings = 0;
  let cut = 0;
  // The most selective term always generates, even past the budget: something must.
  while (cut < sorted.length && (cut === 0 || postings + sorted[cut]!.df <= budget)) {
    postings += sorted[cut]!.df;
    cut++;
  }
  const rest = sorted.slice(cut);
  return {
    generating: sorted.slice(0, cut),
    rest,
    restBound: rest.reduce((sum, t) => sum + upperBound(t), 0),
  };
}

/**
 * Whether step 1's results are already the exact top `limit`: a full page whose last score
 * reaches what any unseen chunk could score (always, when every term generated).
 */
export function isComplete(plan: CandidatePlan, scores: number[], limit: number): boolean {
  if (plan.rest.length === 0) return true;
  return scores.length >= limit && scores[limit - 1]! >= plan.restBound;
}

/** A tsquery operand: the lexeme quoted verbatim, never re-parsed (`zx-4471` stays one term). */
const quote = (lexeme: string) => `'${lexeme.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;

/** A tsquery text ORing lexemes verbatim. */
export const lexemeQuery = (lexemes: string[]) => lexemes.map(quote).join(' | ');

/**
 * Step 3's tsquery over `rest`: the chunks whose terms could add up to `theta` (a full page's
 * last score; 0 when the page was short, and then any of the terms qualifies). Minimal sets of
 * terms whose bounds reach θ, each an AND, ORed; past MAX_CLAUSES, the terms outside the
 * largest low-bound prefix that stays under θ, ORed (MaxScore's essential terms).
 */
export function completionQuery(rest: KeywordTerm[], theta: number): string {
  const terms = [...rest].sort((a, b) => upperBound(b) - upperBound(a) || a.df - b.df);
  if (theta <= 0) return lexemeQuery(terms.map((t) => t.lexeme));
  const bounds = terms.map(upperBound);
  const suffix = bounds.map((_, i) => bounds.slice(i).reduce((s, u) => s + u, 0));
  const clauses: number[][] = [];
  let overflow = false;
  // Depth-first in descending bound order: a set is recorded when its last term takes the sum to
  // θ, so dropping any member (each at least as large as the last) falls below θ: it is minimal.
  const walk = (from: number, chosen: number[], sum: number) => {
    for (let i = from; i < terms.length && !overflow; i++) {
      if (sum + suffix[i]! < theta) return;
      const next = [...chosen, i];
      if (sum + bounds[i]! >= theta) {
        if (clauses.length >= MAX_CLAUSES) overflow = true;
        else clauses.push(next);
      } else {
        walk(i + 1, next, sum + bounds[i]!);
      }
    }
  };
  walk(0, [], 0);
  if (!overflow) {
    return clauses
      .map((c) =>
        c.length === 1
          ? quote(terms[c[0]!]!.lexeme)
          : `( ${c.map((i) => quote(terms[i]!.lexeme)).join(' & ')} )`,
      )
      .join(' | ');
  }
  // Essential terms: drop the smallest bounds while their sum stays under θ.
  const ascending = terms.map((t, i) => ({ t, u: bounds[i]! })).reverse();
  let below = 0;
  let skip = 0;
  while (skip < ascending.length && below + ascending[skip]!.u < theta)
    below += ascending[skip++]!.u;
  return lexemeQuery(ascending.slice(skip).map((x) => x.t.lexeme));
}
