import { clipToTokens as clipText, estimateTokens } from '../ai/tokens';

/**
 * Hierarchical conversation context: the last turns verbatim, everything older folded into
 * a running summary. Pure: planning says what must be folded, the caller runs the summariser
 * (a port) and persists the new summary.
 */
export interface Turn {
  seq: number;
  role: 'user' | 'assistant';
  content: string;
}

export interface RunningSummary {
  text: string;
  coversThroughSeq: number;
}

export interface ContextBudget {
  /** The model's context window in tokens. */
  contextWindow: number;
  /** max_tokens of the answer. */
  reserveForAnswer: number;
  /** Room kept for the retrieved passages. */
  reserveForPassages: number;
  /** System prompt plus the new question and prompt scaffolding. */
  reserveForPrompt: number;
  /** How many of the latest turns to keep verbatim when folding. */
  keepRecentTurns: number;
  summaryMaxTokens: number;
}

export const DEFAULT_CONTEXT_BUDGET: ContextBudget = {
  contextWindow: 200_000,
  reserveForAnswer: 1_024,
  reserveForPassages: 12_000,
  reserveForPrompt: 2_000,
  keepRecentTurns: 6,
  summaryMaxTokens: 800,
};

/** Per-message overhead of the chat format (role markers, separators). */
const TURN_OVERHEAD = 4;

export function turnTokens(turn: Pick<Turn, 'content'>): number {
  return estimateTokens(turn.content) + TURN_OVERHEAD;
}

export function historyBudget(budget: ContextBudget): number {
  return Math.max(
    0,
    budget.contextWindow -
      budget.reserveForAnswer -
      budget.reserveForPassages -
      budget.reserveForPrompt,
  );
}

export interface ContextPlan {
  summary: RunningSummary | null;
  /** Verbatim turns, oldest first, already clipped to fit. */
  turns: Turn[];
  /** Turns that must be folded into the summary before the context is used. */
  toFold: Turn[];
  summaryMaxTokens: number;
  historyTokens: number;
}

/**
 * Cuts text to at most `maxTokens` (by the one estimate), keeping the head or the tail and
 * marking the cut with an ellipsis. The ellipsis stands apart (a space costs nothing), so it is
 * one token of its own rather than joining the word it touches.
 */
export function clipToTokens(
  text: string,
  maxTokens: number,
  keep: 'head' | 'tail' = 'head',
): string {
  if (estimateTokens(text) <= maxTokens) return text;
  const kept = clipText(text, Math.max(0, maxTokens - 1), keep);
  return keep === 'head' ? `${kept} …` : `… ${kept}`;
}

export function planContext(
  turns: Turn[],
  summary: RunningSummary | null,
  budget: ContextBudget,
): ContextPlan {
  const available = historyBudget(budget);
  const summaryMaxTokens = Math.min(budget.summaryMaxTokens, Math.floor(available / 2));
  const pending = turns.filter((t) => !summary || t.seq > summary.coversThroughSeq);
  const summaryTokens = summary ? estimateTokens(summary.text) : 0;
  const pendingTokens = pending.reduce((sum, t) => sum + turnTokens(t), 0);

  if (summaryTokens + pendingTokens <= available) {
    return {
      summary,
      turns: pending,
      toFold: [],
      summaryMaxTokens,
      historyTokens: summaryTokens + pendingTokens,
    };
  }

  // Over budget: keep the newest turns that fit beside a full-size summary, fold the rest.
  const recentBudget = Math.max(TURN_OVERHEAD + 1, available - summaryMaxTokens);
  const recent: Turn[] = [];
  let used = 0;
  for (let i = pending.length - 1; i >= 0 && recent.length < budget.keepRecentTurns; i -= 1) {
    const turn = pending[i]!;
    const cost = turnTokens(turn);
    if (used + cost <= recentBudget) {
      recent.unshift(turn);
      used += cost;
      continue;
    }
    if (recent.length === 0) {
      // Even the latest turn alone is too big: keep its beginning.
      const clipped = {
        ...turn,
        content: clipToTokens(turn.content, recentBudget - TURN_OVERHEAD),
      };
      recent.unshift(clipped);
      used += turnTokens(clipped);
    }
    break;
  }
  const firstKept = recent[0]?.seq ?? Number.POSITIVE_INFINITY;
  const toFold = pending.filter((t) => t.seq < firstKept);
  // A summary made under a larger budget (say, a bigger model) is cut to this one's cap.
  const fitted = summary && {
    ...summary,
    text: clipToTokens(summary.text, summaryMaxTokens, 'tail'),
  };
  return {
    summary: fitted,
    turns: recent,
    toFold,
    summaryMaxTokens,
    historyTokens: summaryMaxTokens + used,
  };
}

/** Summarises earlier turns into the running summary. LLM-backed or extractive. */
export interface Summariser {
  summarise(input: { previous: string | null; turns: Turn[]; maxTokens: number }): Promise<string>;
}

export interface ResolvedContext {
  summary: RunningSummary | null;
  turns: Turn[];
  /** Set when a fold happened: the caller appends it as a `summary` event. */
  newSummary: RunningSummary | null;
}

/** Plans, folds if needed, and guarantees the summary respects its token cap. */
export async function resolveContext(
  turns: Turn[],
  summary: RunningSummary | null,
  budget: ContextBudget,
  summariser: Summariser,
): Promise<ResolvedContext> {
  const plan = planContext(turns, summary, budget);
  if (plan.toFold.length === 0)
    return { summary: plan.summary, turns: plan.turns, newSummary: null };
  const text = await summariser.summarise({
    previous: summary?.text ?? null,
    turns: plan.toFold,
    maxTokens: plan.summaryMaxTokens,
  });
  const newSummary: RunningSummary = {
    text: clipToTokens(text, plan.summaryMaxTokens, 'tail'),
    coversThroughSeq: plan.toFold[plan.toFold.length - 1]!.seq,
  };
  return { summary: newSummary, turns: plan.turns, newSummary };
}

/** Tokens the history will take in the prompt. */
export function contextTokens(context: { summary: RunningSummary | null; turns: Turn[] }): number {
  return (
    (context.summary ? estimateTokens(context.summary.text) : 0) +
    context.turns.reduce((sum, t) => sum + turnTokens(t), 0)
  );
}
