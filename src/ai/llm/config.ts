import type { LlmEnv } from '../../env';

/** The bindings the generation layer reads (declared with the others in env.ts). */
export type { LlmEnv };

export interface LlmConfig {
  apiKey: string | null;
  baseURL: string | undefined;
  primaryModel: string;
  secondaryModel: string;
  enrichmentModel: string;
  dailyBudgetUsd: number;
}

export const DEFAULT_PRIMARY_MODEL = 'claude-sonnet-4-5';
export const DEFAULT_SECONDARY_MODEL = 'claude-haiku-4-5';
export const DEFAULT_DAILY_BUDGET_USD = 5;

export function llmConfigFromEnv(env: LlmEnv): LlmConfig {
  const budget = Number(env.LLM_DAILY_BUDGET_USD);
  const secondaryModel = env.ANTHROPIC_MODEL_SECONDARY?.trim() || DEFAULT_SECONDARY_MODEL;
  return {
    apiKey: env.ANTHROPIC_API_KEY?.trim() || null,
    baseURL: env.ANTHROPIC_BASE_URL?.trim() || undefined,
    primaryModel: env.ANTHROPIC_MODEL_PRIMARY?.trim() || DEFAULT_PRIMARY_MODEL,
    secondaryModel,
    enrichmentModel: env.ANTHROPIC_MODEL_ENRICHMENT?.trim() || secondaryModel,
    dailyBudgetUsd:
      Number.isFinite(budget) && budget >= 0 && env.LLM_DAILY_BUDGET_USD
        ? budget
        : DEFAULT_DAILY_BUDGET_USD,
  };
}
