import { sql } from 'drizzle-orm';
import { createEmbedder } from '../ai/embed';
import { anthropicFromConfig } from '../ai/llm/anthropic';
import { llmConfigFromEnv } from '../ai/llm/config';
import { durableBreakers } from '../ai/reliability/breakers';
import { postgresBudgetLedger } from '../usage/budget-ledger';
import { priceTable } from '../ai/usage/prices';
import { recordUsage, utcDay } from '../usage/record';
import { accessKey, type DocumentAccess } from '../access/visibility';
import type { Database } from '../db/client';
import type { Env } from '../env';
import { MetricsRecorder, type MetricsTarget } from '../metrics';
import { meteredAi, meteredLlm, recordingBreakers } from '../metrics/ai';
import { clampSettings, operatorCeilings, type OperatorCeilings } from '../tenants/ceilings';
import { parseStoredSettings } from '../tenants/settings';
import { answerCacheThreshold, pgAnswerCache } from './answer-cache';
import { cacheFirst } from './cache-first';
import { DEFAULT_CONTEXT_BUDGET } from './context';
import { searchRetriever, type TimedRetriever } from './retriever';
import { shareEmbeddingCalls } from './shared-embedding';
import { scopeFilters, scopeHash, type ChatScope } from './scope';
import { extractiveSummariser, llmSummariser } from './summarise';
import type { ChatTurnDeps, ConversationLog } from './turn';

/**
 * The tenant's daily cap and today's spend in one statement. The tenant's own cap
 * (`settings.dailyBudgetUsd`), held to the operator's ceiling, wins over the deployment default.
 */
export async function tenantBudget(
  db: Database,
  tenantId: string,
  fallbackUsd: number,
  ceilings: OperatorCeilings,
  now: number = Date.now(),
): Promise<{ dailyBudgetUsd: number; spentUsd: number }> {
  const result = await db.execute<{ settings: unknown; spent: number | null }>(sql`
    SELECT t.settings, u.cost_usd AS spent
    FROM tenants t
    LEFT JOIN usage_daily u ON u.tenant_id = t.id AND u.day = ${utcDay(now)}::date
    WHERE t.id = ${tenantId}::uuid`);
  const row = result.rows[0];
  const settings = clampSettings(parseStoredSettings(row?.settings), ceilings);
  return {
    dailyBudgetUsd: settings.dailyBudgetUsd ?? fallbackUsd,
    spentUsd: Number(row?.spent ?? 0),
  };
}

/** Everything one chat turn needs, from the bindings, the caller's tenant and the scope. */
export async function chatTurnDeps(options: {
  env: Env;
  db: Database;
  tenantId: string;
  scope: ChatScope | undefined;
  conversation: ConversationLog;
  /** Where the turn's model calls, breaker transitions and cache lookups are counted. */
  metrics?: MetricsTarget;
  /** Keeps budget settlements alive after the client goes away (the request's `waitUntil`). */
  waitUntil?: (promise: Promise<unknown>) => void;
  /** Whose reach retrieval and the answer cache keep to; null: an API key (the tenant). */
  access: DocumentAccess | null;
}): Promise<{ deps: ChatTurnDeps; retriever: TimedRetriever }> {
  const { env, db, tenantId, conversation, access } = options;
  const metrics = options.metrics ?? new MetricsRecorder();
  const config = llmConfigFromEnv(env);
  const prices = priceTable(env.LLM_PRICES);
  const client = anthropicFromConfig(config);
  const llm = client && meteredLlm(client, metrics, tenantId, 'answer', prices);
  const filters = scopeFilters(options.scope);
  const hash = await scopeHash(filters, accessKey(access));
  // Retrieval and the answer cache embed the same question: one AI call serves both (and is
  // metered once, behind the sharing).
  const turnEnv = shareEmbeddingCalls(meteredAi(env, metrics, tenantId, 'query'));
  const retriever = searchRetriever(turnEnv, db, filters, access);
  const cache = pgAnswerCache({
    db,
    embedder: createEmbedder(turnEnv),
    tenantId,
    scopeHash: hash,
    threshold: answerCacheThreshold(env.ANSWER_CACHE_THRESHOLD),
    metrics,
    access,
  });
  const answer = cacheFirst(cache);
  // One budget for every model call of the turn (summary and answer tiers). The cap is read
  // once, when the turn starts (`usage.budget()`), beside retrieval.
  let cap: Promise<number> | undefined;
  const readCap = () =>
    (cap ??= tenantBudget(db, tenantId, config.dailyBudgetUsd, operatorCeilings(env)).then(
      (b) => b.dailyBudgetUsd,
    ));
  const budget = postgresBudgetLedger({
    db,
    tenantId,
    limitUsd: readCap,
    prices,
    waitUntil: options.waitUntil,
  });
  const deps: ChatTurnDeps = {
    tenantId,
    conversation,
    retriever,
    summariser: client
      ? llmSummariser(
          meteredLlm(client, metrics, tenantId, 'summary', prices),
          config.secondaryModel,
          {
            budget,
          },
        )
      : extractiveSummariser,
    usage: {
      budget: async () => {
        await readCap();
        return budget;
      },
      record: (delta) => recordUsage(db, tenantId, delta),
    },
    failover: {
      llm,
      models: { primary: config.primaryModel, secondary: config.secondaryModel },
      breakers: recordingBreakers(durableBreakers(env.CIRCUIT_BREAKERS), metrics, tenantId),
      prices,
    },
    contextBudget: DEFAULT_CONTEXT_BUDGET,
    answer,
    prefetchAnswer: answer.prefetch,
  };
  return { deps, retriever };
}
