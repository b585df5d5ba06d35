import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { estimateTokens } from '../ai/tokens';
import {
  clipToTokens,
  contextTokens,
  historyBudget,
  planContext,
  resolveContext,
  type ContextBudget,
  type RunningSummary,
  type Summariser,
  type Turn,
} from './context';
import { extractiveSummariser } from './summarise';

const budget: ContextBudget = {
  contextWindow: 4_000,
  reserveForAnswer: 500,
  reserveForPassages: 1_500,
  reserveForPrompt: 500,
  keepRecentTurns: 4,
  summaryMaxTokens: 300,
};

function turn(seq: number, words = 40): Turn {
  const role = seq % 2 === 1 ? 'user' : 'assistant';
  const body = Array.from({ length: words }, (_, i) => `word${(seq * 7 + i) % 97}`).join(' ');
  return { seq, role, content: `Turn ${seq} from ${role}. ${body}.` };
}

describe('hierarchical context', () => {
  it('keeps a short conversation verbatim with nothing to fold', () => {
    const turns = [turn(1), turn(2), turn(3)];
    const plan = planContext(turns, null, budget);
    expect(plan.toFold).toEqual([]);
    expect(plan.turns).toEqual(turns);
  });

  it('folds older turns once the history exceeds its budget, keeping the last N verbatim', () => {
    const turns = Array.from({ length: 40 }, (_, i) => turn(i + 1));
    const plan = planContext(turns, null, budget);
    expect(plan.turns.map((t) => t.seq)).toEqual([37, 38, 39, 40]);
    expect(plan.toFold.map((t) => t.seq)).toEqual(Array.from({ length: 36 }, (_, i) => i + 1));
  });

  it('only considers turns the summary does not cover yet', () => {
    const turns = Array.from({ length: 10 }, (_, i) => turn(i + 1));
    const summary: RunningSummary = { text: 'Earlier we discussed refunds.', coversThroughSeq: 6 };
    const plan = planContext(turns, summary, budget);
    expect(plan.toFold).toEqual([]);
    expect(plan.turns.map((t) => t.seq)).toEqual([7, 8, 9, 10]);
  });

  it('clips a single turn larger than the whole history budget', async () => {
    const huge: Turn = { seq: 1, role: 'user', content: 'x'.repeat(50_000) };
    const context = await resolveContext([huge], null, budget, extractiveSummariser);
    expect(context.turns).toHaveLength(1);
    expect(contextTokens(context)).toBeLessThanOrEqual(historyBudget(budget));
  });

  it('always fits the window over hundreds of turns, folding with the extractive summariser', async () => {
    let summary: RunningSummary | null = null;
    const turns: Turn[] = [];
    let folds = 0;
    for (let seq = 1; seq <= 400; seq += 1) {
      // Vary sizes, with an occasional very long answer.
      turns.push(turn(seq, seq % 37 === 0 ? 900 : 10 + (seq % 60)));
      const context = await resolveContext(turns, summary, budget, extractiveSummariser);
      if (context.newSummary) {
        folds += 1;
        summary = context.newSummary;
      }
      expect(contextTokens(context)).toBeLessThanOrEqual(historyBudget(budget));
      expect(context.turns.at(-1)?.seq).toBe(seq);
    }
    expect(folds).toBeGreaterThan(10);
    expect(summary!.text).toContain('Turn');
    console.log(`context: 400 turns, ${folds} folds, summary ${summary!.text.length} chars`);
  });

  it('clips a summariser that ignores its token cap', async () => {
    const verbose: Summariser = { summarise: async () => 'blah '.repeat(10_000) };
    const turns = Array.from({ length: 60 }, (_, i) => turn(i + 1));
    const context = await resolveContext(turns, null, budget, verbose);
    expect(context.newSummary!.coversThroughSeq).toBe(56);
    expect(contextTokens(context)).toBeLessThanOrEqual(historyBudget(budget));
  });

  it('the extractive summariser keeps the newest lines when over its cap', async () => {
    const text = await extractiveSummariser.summarise({
      previous: 'User asked: something very old.',
      turns: Array.from({ length: 30 }, (_, i) => turn(i + 1)),
      maxTokens: 60,
    });
    expect(Math.ceil(text.length / 4)).toBeLessThanOrEqual(60);
    expect(text).toContain('Turn 30');
    expect(text).not.toContain('something very old');
  });
});

describe('clipToTokens', () => {
  it('always fits the limit by the one token estimate, keeping as much as fits', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 400 }),
        fc.integer({ min: 1, max: 60 }),
        fc.constantFrom('head' as const, 'tail' as const),
        (text, maxTokens, keep) => {
          const clipped = clipToTokens(text, maxTokens, keep);
          if (estimateTokens(text) <= maxTokens) return clipped === text;
          return estimateTokens(clipped) <= maxTokens && clipped.length <= text.length + 2;
        },
      ),
      { seed: 42, numRuns: 300 },
    );
    // Digits and symbols cost more than four characters a token allowed for.
    const dense = '1,2;3!4?'.repeat(200);
    expect(estimateTokens(clipToTokens(dense, 50))).toBeLessThanOrEqual(50);
    expect(clipToTokens(dense, 50).length).toBeGreaterThan(20);
  });
});
