import { streamText } from '../ai/answer/extractive';
import {
  answerWithFailover,
  type AnswerEvent,
  type AnswerResult,
  type FailoverDeps,
  type FailoverRequest,
} from '../ai/llm/failover';
import { buildAnswerPrompt } from '../ai/llm/prompt';
import type { CachedAnswerHit, SemanticAnswerCache } from './answer-cache';

const ANSWERED_BY_MODEL = new Set(['primary', 'secondary']);

/**
 * A question that stands on its own (no earlier turns) is first looked up in the semantic
 * cache: a hit answers without calling a model. A miss goes through the failover chain, and
 * its answer is cached when a model wrote it and at least one citation verified. Follow-up
 * questions depend on the conversation, so for them the cache is only the failover tier.
 */
export function cacheFirst(cache: SemanticAnswerCache, now: () => number = Date.now) {
  // `prefetch` starts a lookup beside retrieval; the next lookup of that question takes it
  // (once: a later one asks the cache again, which may have been written meanwhile).
  const prefetched = new Map<string, Promise<CachedAnswerHit | null>>();
  const lookup = (question: string) => {
    const pending = prefetched.get(question);
    prefetched.delete(question);
    return pending ?? cache.lookup(question);
  };
  const memoised: SemanticAnswerCache = { ...cache, lookup };

  async function* answer(
    deps: FailoverDeps,
    request: FailoverRequest,
  ): AsyncGenerator<AnswerEvent, AnswerResult> {
    const standalone = !request.history?.summary && !request.history?.turns.length;
    if (!standalone) return yield* answerWithFailover({ ...deps, cache: memoised }, request);

    const started = now();
    const hit = await lookup(request.question);
    if (hit) {
      let firstDeltaAt: number | null = null;
      for await (const event of streamText(hit.text, 'cache')) {
        if (event.type !== 'delta') continue;
        firstDeltaAt ??= now();
        yield { type: 'delta', tier: 'cache', text: event.text };
      }
      const result: AnswerResult = {
        tier: 'cache',
        model: null,
        text: hit.text,
        citations: hit.citations,
        usage: { inputTokens: 0, outputTokens: 0 },
        costUsd: 0,
        stopReason: 'end_turn',
        skipped: [],
        fallbackUsed: true,
        injectionFlags: buildAnswerPrompt(request).flags,
        latencyMs: now() - started,
        firstDeltaMs: firstDeltaAt === null ? null : firstDeltaAt - started,
      };
      yield { type: 'done', result };
      return result;
    }

    // Already a miss: the chain's cache tier need not ask again.
    const result = yield* answerWithFailover(
      { ...deps, cache: { lookup: async () => null } },
      request,
    );
    // Awaited (after the last delta): the next identical question must already find it.
    // A failed write only costs a future hit.
    if (ANSWERED_BY_MODEL.has(result.tier))
      await cache.store(request.question, result).catch(() => false);
    return result;
  }

  return Object.assign(answer, {
    /** Starts the lookup for a standalone question early; `answer` reuses it. */
    prefetch(question: string): void {
      if (prefetched.has(question)) return;
      const pending = cache.lookup(question);
      // Observed here so a prefetch nobody takes is not an unhandled rejection.
      pending.catch(() => {});
      prefetched.set(question, pending);
    },
  });
}
