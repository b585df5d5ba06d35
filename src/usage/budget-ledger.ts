import type { Database } from '../db/client';
import { costOf, type PriceTable } from '../ai/usage/prices';
import { once, refusal, type BudgetLedger } from '../ai/usage/budget';
import { errorFields, logJson } from '../observability/log';
import { reserveSpend, settleSpend, utcDay } from './record';

// The ledger's contract and its in-memory twin live in src/ai/usage/budget.ts, where the model
// callers see them; this implementation sits beside the usage rows it writes, so ai/ never
// imports a feature.

/**
 * The budget in Postgres (`usage_daily.reserved_usd`, see migrations/0012_budget_ledger.sql).
 * The hold and the settlement are one statement each. A settlement is also handed to
 * `waitUntil`, so the runtime keeps it alive after a client has gone away mid-stream.
 */
export function postgresBudgetLedger(options: {
  db: Pick<Database, 'execute'>;
  tenantId: string;
  /** The tenant's cap in USD; a function is read at the first reservation (and memoised). */
  limitUsd: number | (() => Promise<number>);
  prices?: PriceTable;
  now?: () => number;
  waitUntil?: (promise: Promise<unknown>) => void;
}): BudgetLedger {
  const { db, tenantId, prices } = options;
  let limit: Promise<number> | undefined;
  const limitUsd = () =>
    (limit ??=
      typeof options.limitUsd === 'number'
        ? Promise.resolve(options.limitUsd)
        : options.limitUsd());
  return {
    async reserve(model, worstCase) {
      const cap = await limitUsd();
      const amountUsd = costOf(model, worstCase, prices);
      // The day is fixed at reservation: a call that crosses midnight settles where it held.
      const day = utcDay((options.now ?? Date.now)());
      const { granted, committedUsd } = await reserveSpend(db, tenantId, day, amountUsd, cap);
      if (!granted) return refusal(cap, committedUsd);
      const settle = once(async (settledModel, used) => {
        const write = settleSpend(db, tenantId, day, amountUsd, {
          tokensIn: used.inputTokens,
          tokensOut: used.outputTokens,
          costUsd: costOf(settledModel, used, prices),
        }).catch((error) =>
          logJson('error', {
            msg: 'budget settlement failed; the hold stays until the day ends',
            tenantId,
            day,
            heldUsd: amountUsd,
            ...errorFields(error),
          }),
        );
        options.waitUntil?.(write);
        await write;
      });
      return { ok: true, reservation: { amountUsd, settle } };
    },
  };
}
