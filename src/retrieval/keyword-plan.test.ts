import { describe, expect, it } from 'vitest';
import {
  completionQuery,
  isComplete,
  MAX_CLAUSES,
  planCandidates,
  upperBound,
  type KeywordTerm,
} from './keyword-plan';

const term = (lexeme: string, df: number, idf: number): KeywordTerm => ({ lexeme, df, idf });

/** Evaluates a tsquery text of quoted lexemes, `&`, `|` and parentheses over a set of lexemes. */
function matches(query: string, held: Set<string>): boolean {
  const tokens = query.match(/'(?:[^']|'')*'|[()&|]/g) ?? [];
  let i = 0;
  const or = (): boolean => {
    let value = and();
    while (tokens[i] === '|') (i++, (value = and() || value));
    return value;
  };
  const and = (): boolean => {
    let value = atom();
    while (tokens[i] === '&') (i++, (value = atom() && value));
    return value;
  };
  const atom = (): boolean => {
    const token = tokens[i++]!;
    if (token === '(') {
      const value = or();
      i++;
      return value;
    }
    return held.has(token.slice(1, -1).replace(/''/g, "'"));
  };
  return or();
}

/** Every subset of `terms`, as lexeme sets with their summed bounds. */
const subsets = (terms: KeywordTerm[]) =>
  Array.from({ length: 2 ** terms.length }, (_, mask) => {
    const chosen = terms.filter((_, i) => mask & (1 << i));
    return {
      held: new Set(chosen.map((t) => t.lexeme)),
      bound: chosen.reduce((s, t) => s + upperBound(t), 0),
    };
  });

describe('planCandidates', () => {
  const terms = [term('c', 300, 1), term('a', 10, 4), term('b', 100, 2), term('d', 5000, 0.1)];

  it.each([
    { budget: 10, generating: ['a'] },
    { budget: 109, generating: ['a'] },
    { budget: 110, generating: ['a', 'b'] },
    { budget: 410, generating: ['a', 'b', 'c'] },
    { budget: 1e9, generating: ['a', 'b', 'c', 'd'] },
    // The most selective term always generates, even past the budget.
    { budget: 1, generating: ['a'] },
  ])('budget $budget: $generating generate', ({ budget, generating }) => {
    const plan = planCandidates(terms, budget);
    expect(plan.generating.map((t) => t.lexeme)).toEqual(generating);
    const rest = plan.rest.map((t) => t.lexeme);
    expect([...generating, ...rest].sort()).toEqual(['a', 'b', 'c', 'd']);
    expect(plan.restBound).toBeCloseTo(
      plan.rest.reduce((s, t) => s + upperBound(t), 0),
      12,
    );
  });

  it('is complete when every term generated, or when a full page reaches the rest bound', () => {
    const all = planCandidates(terms, 1e9);
    expect(isComplete(all, [], 10)).toBe(true);
    const plan = planCandidates(terms, 10);
    expect(isComplete(plan, [plan.restBound + 1, plan.restBound], 2)).toBe(true);
    expect(isComplete(plan, [plan.restBound + 1, plan.restBound - 1e-9], 2)).toBe(false);
    // A short page: chunks holding only the other terms may still fill it.
    expect(isComplete(plan, [1e9], 2)).toBe(false);
  });
});

describe('completionQuery', () => {
  const rest = [
    term('p', 50, 3),
    term('q', 80, 2.5),
    term("it's", 90, 2),
    term('r', 200, 1.2),
    term('s', 400, 0.8),
    term('t', 900, 0.3),
  ];

  it.each([0, 1, 2.5, 4.4, 5.5, 7, 9.9, 12, 15, 19.4])(
    'θ %s: matches exactly the term sets whose bounds reach it',
    (theta) => {
      const query = completionQuery(rest, theta);
      for (const { held, bound } of subsets(rest)) {
        if (held.size === 0) continue;
        // Every set that could reach θ matches; with θ = 0 any term at all does.
        const reaches = theta <= 0 ? true : bound >= theta;
        expect(matches(query, held), `${query} on {${[...held]}}`).toBe(reaches);
      }
    },
  );

  it(`falls back to the essential terms beyond ${MAX_CLAUSES} clauses, still a superset`, () => {
    const many = Array.from({ length: 16 }, (_, i) => term(`w${i}`, 100 + i, 1 + (i % 3) * 0.01));
    const theta = 8 * upperBound(many[0]!);
    const query = completionQuery(many, theta);
    expect(query).not.toContain('&');
    for (const { held, bound } of subsets(many.slice(0, 12))) {
      if (bound >= theta) expect(matches(query, held)).toBe(true);
    }
  });
});
