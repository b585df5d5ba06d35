import type { LlmUsage } from '../llm/types';
import { costOf, type PriceTable } from './prices';

export interface BudgetStatus {
  limitUsd: number;
  spentUsd: number;
  remainingUsd: number;
  exhausted: boolean;
}

export function budgetStatus(dailyBudgetUsd: number, spentToday: number): BudgetStatus {
  const remainingUsd = Math.max(0, dailyBudgetUsd - spentToday);
  return {
    limitUsd: dailyBudgetUsd,
    spentUsd: spentToday,
    remainingUsd,
    exhausted: remainingUsd <= 0,
  };
}

/** Worst case for a call: the whole prompt plus every output token allowed. */
export function worstCaseCost(model: string, usage: LlmUsage, prices?: PriceTable): number {
  return costOf(model, usage, prices);
}

/** Can this call run within what is left today, even if it uses all of max_tokens? */
export function canAfford(
  status: BudgetStatus,
  model: string,
  estimate: LlmUsage,
  prices?: PriceTable,
): boolean {
  return !status.exhausted && worstCaseCost(model, estimate, prices) <= status.remainingUsd;
}

/** The UTC calendar day a usage row belongs to, as `YYYY-MM-DD`. */
export function usageDay(now: number = Date.now()): string {
  return new Date(now).toISOString().slice(0, 10);
}
