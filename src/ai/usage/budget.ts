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

/** Why a reservation was refused: nothing left at all, or not enough for this call's worst case. */
export type BudgetRefusal = 'budget_exhausted' | 'over_budget';

/** Money held for one model call until it is settled. */
export interface Reservation {
  readonly amountUsd: number;
  /**
   * Charges what the call used (at `model`'s price) and releases the hold. Only the first call
   * counts. Never throws: a settlement that cannot be written leaves the hold in place, which
   * errs on the side of the budget.
   */
  settle(model: string, used: LlmUsage): Promise<void>;
}

export type ReserveOutcome =
  | { ok: true; reservation: Reservation }
  | { ok: false; reason: BudgetRefusal; remainingUsd: number };

/**
 * The tenant's daily AI budget, as every model call sees it: reserve the call's worst case
 * before it starts, settle with the actual usage in a `finally` once it ends, however it ends.
 * Chat answers, the conversation summariser and enrichment all go through one.
 */
export interface BudgetLedger {
  reserve(model: string, worstCase: LlmUsage): Promise<ReserveOutcome>;
}

/** A refused reservation, as every ledger reports it. */
export const refusal = (limitUsd: number, committedUsd: number): ReserveOutcome => {
  const remainingUsd = Math.max(0, limitUsd - committedUsd);
  return {
    ok: false,
    reason: remainingUsd <= 0 ? 'budget_exhausted' : 'over_budget',
    remainingUsd,
  };
};

/** A settlement that runs once, however many times it is called. */
export function once(run: (model: string, used: LlmUsage) => Promise<void>) {
  let settled = false;
  return async (model: string, used: LlmUsage) => {
    if (settled) return;
    settled = true;
    await run(model, used);
  };
}

/** The same rules in memory (one isolate; JavaScript runs each reservation to completion). */
export function memoryBudgetLedger(limitUsd: number, spentUsd = 0, prices?: PriceTable) {
  const state = {
    spentUsd,
    reservedUsd: 0,
    settlements: [] as Array<{ model: string; used: LlmUsage; costUsd: number }>,
  };
  const ledger: BudgetLedger = {
    async reserve(model, worstCase) {
      const amountUsd = costOf(model, worstCase, prices);
      if (state.spentUsd + state.reservedUsd + amountUsd > limitUsd) {
        return refusal(limitUsd, state.spentUsd + state.reservedUsd);
      }
      state.reservedUsd += amountUsd;
      const settle = once(async (settledModel, used) => {
        const costUsd = costOf(settledModel, used, prices);
        state.reservedUsd -= amountUsd;
        state.spentUsd += costUsd;
        state.settlements.push({ model: settledModel, used, costUsd });
      });
      return { ok: true, reservation: { amountUsd, settle } };
    },
  };
  return Object.assign(ledger, { state });
}
