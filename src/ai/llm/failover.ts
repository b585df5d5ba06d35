import { verifyCitations, type Citation } from '../answer/citations';
import { extractiveAnswer, streamText } from '../answer/extractive';
import type { CitablePassage } from '../answer/passages';
import { estimateTokens } from '../tokens';
import { breakerKey, type Breakers } from '../reliability/breakers';
import type { BudgetLedger, Reservation } from '../usage/budget';
import { costOf, type PriceTable } from '../usage/prices';
import type { InjectionFlag } from './injection';
import { buildAnswerPrompt, type AnswerPromptInput } from './prompt';
import { LlmError, type LlmClient, type LlmEvent, type LlmUsage } from './types';

export type Tier = 'primary' | 'secondary' | 'cache' | 'extractive';

export type SkipReason =
  'not_configured' | 'breaker_open' | 'budget_exhausted' | 'over_budget' | 'failed' | 'cache_miss';

export interface Skipped {
  tier: Tier;
  reason: SkipReason;
  model?: string;
  /** For `failed`: the error kind and message; partial output was retracted if any. */
  error?: { kind: string; message: string; status?: number; retryAfterMs?: number };
}

/** A previously generated answer to a semantically equal question (port; pgvector in prod). */
export interface CachedAnswer {
  text: string;
  /** Verified when the answer was cached; passed through unchanged. */
  citations: Citation[];
}

export interface AnswerCache {
  lookup(question: string): Promise<CachedAnswer | null>;
}

export interface FailoverDeps {
  /** Null when no API key is configured: answers go straight to cache/extractive. */
  llm: LlmClient | null;
  models: { primary: string; secondary: string };
  breakers: Breakers;
  cache?: AnswerCache | null;
  /** The tenant's daily budget: each model call reserves its worst case; null: not enforced. */
  ledger?: BudgetLedger | null;
  prices?: PriceTable;
  provider?: string;
  /** A 429 whose retry-after is at most this long is retried once on the same model. */
  maxRetryAfterWaitMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

export interface FailoverRequest extends AnswerPromptInput {
  maxTokens: number;
  temperature?: number;
  signal?: AbortSignal;
}

export interface AnswerResult {
  tier: Tier;
  model: string | null;
  text: string;
  citations: Citation[];
  usage: LlmUsage;
  costUsd: number;
  stopReason: string;
  skipped: Skipped[];
  /** True when a tier other than the primary answered. */
  fallbackUsed: boolean;
  injectionFlags: Record<string, InjectionFlag>;
  latencyMs: number;
  firstDeltaMs: number | null;
}

/**
 * What the caller streams to the client. A tier that fails after emitting deltas is followed
 * by `retract` (drop that tier's partial text) and the next tier's answer: a half-finished
 * generation with unchecked citations is worse than a complete cached or extractive answer.
 */
export type AnswerEvent =
  | { type: 'delta'; tier: Tier; text: string }
  | { type: 'retract'; tier: Tier; reason: string }
  | { type: 'skipped'; skipped: Skipped }
  | { type: 'done'; result: AnswerResult };

const NO_USAGE: LlmUsage = { inputTokens: 0, outputTokens: 0 };

/**
 * primary model → secondary model → semantic answer cache → extractive answer. Yields the
 * answer's deltas as they come and ends with one `done` event carrying the result.
 */
export async function* answerWithFailover(
  deps: FailoverDeps,
  request: FailoverRequest,
): AsyncGenerator<AnswerEvent, AnswerResult> {
  const result = yield* runChain(deps, request);
  yield { type: 'done', result };
  return result;
}

async function* runChain(
  deps: FailoverDeps,
  request: FailoverRequest,
): AsyncGenerator<AnswerEvent, AnswerResult> {
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const provider = deps.provider ?? 'anthropic';
  const started = now();
  let firstDeltaAt: number | null = null;
  const skipped: Skipped[] = [];
  const prompt = buildAnswerPrompt(request);

  const skip = function* (entry: Skipped): Generator<AnswerEvent> {
    skipped.push(entry);
    yield { type: 'skipped', skipped: entry };
  };
  const finish = (
    result: Omit<
      AnswerResult,
      'skipped' | 'fallbackUsed' | 'injectionFlags' | 'latencyMs' | 'firstDeltaMs'
    >,
  ): AnswerResult => ({
    ...result,
    skipped,
    fallbackUsed: result.tier !== 'primary',
    injectionFlags: prompt.flags,
    latencyMs: now() - started,
    firstDeltaMs: firstDeltaAt === null ? null : firstDeltaAt - started,
  });

  const promptTokens = estimateTokens(
    prompt.system + prompt.messages.map((m) => m.content).join('\n'),
  );
  const tiers: Array<[Tier, string]> = [
    ['primary', deps.models.primary],
    ['secondary', deps.models.secondary],
  ];
  for (const [tier, model] of tiers) {
    if (!deps.llm) {
      yield* skip({ tier, reason: 'not_configured', model });
      continue;
    }
    let reservation: Reservation | null = null;
    if (deps.ledger) {
      const held = await deps.ledger.reserve(model, {
        inputTokens: promptTokens,
        outputTokens: request.maxTokens,
      });
      if (!held.ok) {
        yield* skip({ tier, reason: held.reason, model });
        continue;
      }
      reservation = held.reservation;
    }
    // What this tier's calls used, settled against the hold in the `finally` below however the
    // tier ends: an answer, a failure and failover, or the client going away (the generator is
    // closed at a `yield`, so only the `finally` runs). A call cut short is charged its prompt
    // and the text it had streamed, by the token estimate the hold was made with.
    const used: LlmUsage = { inputTokens: 0, outputTokens: 0 };
    let usedModel = model;
    let unsettledText: string | null = null;
    const charge = (usage: LlmUsage) => {
      used.inputTokens += usage.inputTokens;
      used.outputTokens += usage.outputTokens;
      unsettledText = null;
    };
    try {
      const key = breakerKey(provider, model);
      if (!(await deps.breakers.check(key)).allowed) {
        yield* skip({ tier, reason: 'breaker_open', model });
        continue;
      }

      for (let attempt = 0; ; attempt += 1) {
        let text = '';
        unsettledText = '';
        try {
          let done: Extract<LlmEvent, { type: 'done' }> | null = null;
          for await (const event of deps.llm.stream({
            model,
            system: prompt.system,
            messages: prompt.messages,
            maxTokens: request.maxTokens,
            temperature: request.temperature,
            signal: request.signal,
          })) {
            if (event.type === 'delta') {
              firstDeltaAt ??= now();
              text += event.text;
              unsettledText = text;
              yield { type: 'delta', tier, text: event.text };
            } else {
              done = event;
            }
          }
          if (!done) throw new LlmError('truncated', `${model}: no completion event`);
          charge(done.usage);
          usedModel = done.model;
          await deps.breakers.record(key, 'success');
          return finish({
            tier,
            model: done.model,
            text,
            citations: verifyCitations(text, request.passages),
            usage: done.usage,
            costUsd: costOf(done.model, done.usage, deps.prices),
            stopReason: done.stopReason,
          });
        } catch (caught) {
          const error =
            caught instanceof LlmError ? caught : new LlmError('unknown', String(caught));
          // A refused request costs nothing; one that streamed, or was cut off, used its prompt.
          charge(
            text || error.kind === 'aborted'
              ? { inputTokens: promptTokens, outputTokens: text ? estimateTokens(text) : 0 }
              : { inputTokens: 0, outputTokens: 0 },
          );
          // The caller went away: there is no one to fall back for.
          if (error.kind === 'aborted') throw error;
          if (error.retryable) await deps.breakers.record(key, 'failure');
          if (text) yield { type: 'retract', tier, reason: error.kind };
          const wait = error.details.retryAfterMs;
          const canWait =
            error.kind === 'rate_limited' &&
            attempt === 0 &&
            !text &&
            wait !== undefined &&
            wait <= (deps.maxRetryAfterWaitMs ?? 2_000);
          if (canWait) {
            await sleep(wait);
            continue;
          }
          yield* skip({
            tier,
            reason: 'failed',
            model,
            error: {
              kind: error.kind,
              message: error.message,
              status: error.details.status,
              retryAfterMs: wait,
            },
          });
          break;
        }
      }
    } finally {
      const partial: string | null = unsettledText;
      if (partial) charge({ inputTokens: promptTokens, outputTokens: estimateTokens(partial) });
      await reservation?.settle(usedModel, used);
    }
  }

  if (deps.cache) {
    const cached = await deps.cache.lookup(request.question);
    if (cached) {
      for await (const event of streamText(cached.text, 'cache')) {
        if (event.type === 'delta') {
          firstDeltaAt ??= now();
          yield { type: 'delta', tier: 'cache', text: event.text };
        }
      }
      return finish({
        tier: 'cache',
        model: null,
        text: cached.text,
        citations: cached.citations,
        usage: NO_USAGE,
        costUsd: 0,
        stopReason: 'end_turn',
      });
    }
    yield* skip({ tier: 'cache', reason: 'cache_miss' });
  } else {
    yield* skip({ tier: 'cache', reason: 'not_configured' });
  }

  const extractive = extractiveAnswer(request.question, request.passages);
  for await (const event of streamText(extractive.text, 'extractive')) {
    if (event.type === 'delta') {
      firstDeltaAt ??= now();
      yield { type: 'delta', tier: 'extractive', text: event.text };
    }
  }
  return finish({
    tier: 'extractive',
    model: null,
    text: extractive.text,
    citations: extractive.citations,
    usage: NO_USAGE,
    costUsd: 0,
    stopReason: 'end_turn',
  });
}

/** Drains the stream: for callers that do not stream (and for tests). */
export async function collectAnswer(
  deps: FailoverDeps,
  request: FailoverRequest,
): Promise<{ result: AnswerResult; events: AnswerEvent[] }> {
  const events: AnswerEvent[] = [];
  for await (const event of answerWithFailover(deps, request)) events.push(event);
  const done = events[events.length - 1];
  if (done?.type !== 'done') throw new Error('answer stream ended without a result');
  return { result: done.result, events };
}
