import type { LlmUsage } from '../llm/types';

/** USD per million tokens. */
export interface ModelPrice {
  inputPerMtok: number;
  outputPerMtok: number;
}

export type PriceTable = Record<string, ModelPrice>;

export const DEFAULT_PRICES: PriceTable = {
  'claude-opus-4-5': { inputPerMtok: 5, outputPerMtok: 25 },
  'claude-sonnet-4-5': { inputPerMtok: 3, outputPerMtok: 15 },
  'claude-haiku-4-5': { inputPerMtok: 1, outputPerMtok: 5 },
};

/** The defaults with a JSON override (env `LLM_PRICES`) merged over them; bad JSON is ignored. */
export function priceTable(overrideJson?: string): PriceTable {
  if (!overrideJson) return DEFAULT_PRICES;
  try {
    const parsed = JSON.parse(overrideJson) as Record<string, Partial<ModelPrice>>;
    const table: PriceTable = { ...DEFAULT_PRICES };
    for (const [model, price] of Object.entries(parsed)) {
      const input = Number(price?.inputPerMtok);
      const output = Number(price?.outputPerMtok);
      if (Number.isFinite(input) && Number.isFinite(output) && input >= 0 && output >= 0) {
        table[model] = { inputPerMtok: input, outputPerMtok: output };
      }
    }
    return table;
  } catch {
    return DEFAULT_PRICES;
  }
}

/** Unknown models are charged at the dearest known price: budgets must not under-count. */
export function priceOf(model: string, prices: PriceTable = DEFAULT_PRICES): ModelPrice {
  const exact = prices[model];
  if (exact) return exact;
  // Dated ids ("claude-haiku-4-5-20251001") share their family's price.
  const family = Object.keys(prices)
    .filter((known) => model.startsWith(known))
    .sort((a, b) => b.length - a.length)[0];
  if (family) return prices[family]!;
  return Object.values(prices).reduce((max, p) => (p.outputPerMtok > max.outputPerMtok ? p : max), {
    inputPerMtok: 0,
    outputPerMtok: 0,
  });
}

export function costOf(
  model: string,
  usage: LlmUsage,
  prices: PriceTable = DEFAULT_PRICES,
): number {
  const price = priceOf(model, prices);
  return (usage.inputTokens * price.inputPerMtok + usage.outputTokens * price.outputPerMtok) / 1e6;
}
