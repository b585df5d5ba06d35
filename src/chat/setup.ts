import { createEmbedder } from '../ai/embed';
import { anthropicFromConfig } from '../ai/llm/anthropic';
import { llmConfigFromEnv } from '../ai/llm/config';
import { durableBreakers } from '../ai/reliability/breakers';
import { usageDay } from '../ai/usage/budget';
import { priceTable } from '../ai/usage/prices';
import { recordUsage, spentToday } from '../ai/usage/store';
import type { Database } from '../db/client';
import type { Env } from '../env';
import { clampSettings, operatorCeilings, type OperatorCeilings } from '../tenants/ceilings';
import { loadSettings } from '../tenants/settings';
import { answerCacheThreshold, pgAnswerCache } from './answer-cache';
import { cacheFirst } from './cache-first';
import { DEFAULT_CONTEXT_BUDGET } from './context';
import { searchRetriever, type TimedRetriever } from './retriever';
import { scopeFilters, scopeHash, type ChatScope } from './scope';
import { extractiveSummariser, llmSummariser } from './summarise';
import type { ChatTurnDeps, ConversationLog } from './turn';

/**
 * The tenant's own cap (`settings.dailyBudgetUsd`), held to the operator's ceiling, wins over the
 * deployment default.
 */
export async function tenantDailyBudget(
  db: Database,
  tenantId: string,
  fallbackUsd: number,
  ceilings: OperatorCeilings,
): Promise<number> {
  const settings = clampSettings(await loadSettings(db, tenantId), ceilings);
  return settings.dailyBudgetUsd ?? fallbackUsd;
}

/** Everything one chat turn needs, from the bindings, the caller's tenant and the scope. */
export async function chatTurnDeps(options: {
  env: Env;
  db: Database;
  tenantId: string;
  scope: ChatScope | undefined;
  conversation: ConversationLog;
}): Promise<{ deps: ChatTurnDeps; retriever: TimedRetriever }> {
  const { env, db, tenantId, conversation } = options;
  const config = llmConfigFromEnv(env);
  const llm = anthropicFromConfig(config);
  const filters = scopeFilters(options.scope);
  const [hash, dailyBudgetUsd] = await Promise.all([
    scopeHash(filters),
    tenantDailyBudget(db, tenantId, config.dailyBudgetUsd, operatorCeilings(env)),
  ]);
  const retriever = searchRetriever(env, db, filters);
  const cache = pgAnswerCache({
    db,
    embedder: createEmbedder(env),
    tenantId,
    scopeHash: hash,
    threshold: answerCacheThreshold(env.ANSWER_CACHE_THRESHOLD),
  });
  const deps: ChatTurnDeps = {
    tenantId,
    conversation,
    retriever,
    summariser: llm ? llmSummariser(llm, config.secondaryModel) : extractiveSummariser,
    usage: {
      spentToday: () => spentToday(db, tenantId),
      record: (delta) => recordUsage(db, tenantId, usageDay(), delta),
    },
    dailyBudgetUsd,
    failover: {
      llm,
      models: { primary: config.primaryModel, secondary: config.secondaryModel },
      breakers: durableBreakers(env.CIRCUIT_BREAKERS),
      prices: priceTable(env.LLM_PRICES),
    },
    contextBudget: DEFAULT_CONTEXT_BUDGET,
    answer: cacheFirst(cache),
  };
  return { deps, retriever };
}
