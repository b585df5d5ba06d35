import { WORKERS_AI_EMBEDDING_MODEL } from '../ai/embed/workers-ai';
import type { LlmClient } from '../ai/llm/types';
import type { Breakers } from '../ai/reliability/breakers';
import { costOf, type PriceTable } from '../ai/usage/prices';
import { estimateTokens } from '../ai/tokens';
import { recordAiUsage, recordBreakerTransition, type MetricsTarget } from './index';

/**
 * Workers AI prices, USD per million input tokens (developers.cloudflare.com/workers-ai/platform/
 * pricing). A model not listed is counted at 0: its tokens are still reported.
 */
export const WORKERS_AI_PRICES: Readonly<Record<string, number>> = {
  [WORKERS_AI_EMBEDDING_MODEL]: 0.067,
};

type Runner = { run(model: string, inputs: unknown, ...rest: unknown[]): Promise<unknown> };

/** Workers AI returns no token counts for these models: estimated with the one estimator. */
function tokensOf(inputs: unknown): { kind: 'embedding' | 'rerank'; tokens: number } | null {
  const body = inputs as { text?: unknown; query?: unknown; contexts?: unknown } | null;
  if (Array.isArray(body?.text)) {
    return {
      kind: 'embedding',
      tokens: body.text.reduce((n: number, t) => n + estimateTokens(String(t)), 0),
    };
  }
  if (typeof body?.query === 'string' && Array.isArray(body.contexts)) {
    // A cross-encoder reads the query once per passage.
    const query = estimateTokens(body.query);
    return {
      kind: 'rerank',
      tokens: body.contexts.reduce(
        (n: number, c: { text?: unknown }) => n + query + estimateTokens(String(c?.text ?? '')),
        0,
      ),
    };
  }
  return null;
}

/**
 * The bindings with an `AI` that records every embedding and reranking call it completes for
 * `tenantId` (`recordAiUsage`). Metering at the binding covers every embedder and reranker built
 * from these bindings (query embedding, the answer cache, ingest) without threading a recorder
 * through each. The local embedder has no binding and costs nothing, so it is not counted.
 */
export function meteredAi<E extends { AI?: Ai }>(
  env: E,
  target: MetricsTarget,
  tenantId: string,
  purpose: string,
): E {
  if (!env.AI) return env;
  const ai = env.AI as unknown as Runner;
  const run = async (model: string, inputs: unknown, ...rest: unknown[]) => {
    const started = Date.now();
    const output = await ai.run(model, inputs, ...rest);
    const measured = tokensOf(inputs);
    if (measured) {
      recordAiUsage(target, {
        tenantId,
        kind: measured.kind,
        purpose,
        model,
        tokensIn: measured.tokens,
        costUsd: (measured.tokens * (WORKERS_AI_PRICES[model] ?? 0)) / 1e6,
        ms: Date.now() - started,
      });
    }
    return output;
  };
  const metered = new Proxy(env.AI, {
    get(binding, property) {
      if (property === 'run') return run;
      const value: unknown = Reflect.get(binding, property);
      return typeof value === 'function' ? value.bind(binding) : value;
    },
  });
  return { ...env, AI: metered };
}

/** An LLM client that records each completed generation: tokens, cost and latency. */
export function meteredLlm(
  llm: LlmClient,
  target: MetricsTarget,
  tenantId: string,
  purpose: string,
  prices?: PriceTable,
): LlmClient {
  return {
    async *stream(request) {
      const started = Date.now();
      for await (const event of llm.stream(request)) {
        if (event.type === 'done') {
          recordAiUsage(target, {
            tenantId,
            kind: 'llm',
            purpose,
            model: event.model,
            tokensIn: event.usage.inputTokens,
            tokensOut: event.usage.outputTokens,
            costUsd: costOf(event.model, event.usage, prices),
            ms: Date.now() - started,
          });
        }
        yield event;
      }
    },
  };
}

/** Breakers that count every transition a call of `tenantId` reports (`recordBreakerTransition`). */
export function recordingBreakers(
  breakers: Breakers,
  target: MetricsTarget,
  tenantId: string,
): Breakers {
  const note = (key: string, transition: { from: string; to: string } | null) => {
    if (transition) recordBreakerTransition(target, tenantId, key, transition.from, transition.to);
  };
  return {
    async check(key) {
      const result = await breakers.check(key);
      note(key, result.transition);
      return result;
    },
    async record(key, outcome) {
      const result = await breakers.record(key, outcome);
      note(key, result.transition);
      return result;
    },
  };
}
