import { anthropicFromConfig } from '../ai/llm/anthropic';
import { llmConfigFromEnv } from '../ai/llm/config';
import { LlmError } from '../ai/llm/types';
import { priceTable } from '../ai/usage/prices';
import type { Database } from '../db/client';
import type { EnrichMessage, Env } from '../env';
import { withBatchResources } from '../ingest/batch';
import { describeError, retryDelaySeconds } from '../ingest/retry';
import { runWithinBudget } from '../ingest/schedule';
import { recordEvent, versionRefOf as refOf } from '../ingest/status';
import type { MetricsRecorder } from '../metrics';
import { meteredLlm } from '../metrics/ai';
import { processEnrichMessage } from './run';

/** Enrich messages of one batch processed at once (they hold a few chunks each). */
const CONCURRENCY = 4;

/** Longest wait a provider's retry-after may impose on an enrichment retry. */
const MAX_RETRY_AFTER_SECONDS = 15 * 60;

/**
 * Enrichment runs after the version is ready, so nothing here may fail the document: outcomes
 * are recorded as `enrich` events, transient failures retry with the same backoff as ingest
 * (or the provider's retry-after, when longer) until the queue dead-letters them.
 */
async function handleEnrichMessage(
  env: Env,
  db: Database,
  message: Message<EnrichMessage>,
  retryBase: number,
  metrics: MetricsRecorder,
) {
  try {
    const client = anthropicFromConfig(llmConfigFromEnv(env));
    const llm =
      client &&
      meteredLlm(client, metrics, message.body.tenantId, 'enrichment', priceTable(env.LLM_PRICES));
    await processEnrichMessage({ env, db, llm }, message.body);
    message.ack();
  } catch (error) {
    const retryAfterMs = error instanceof LlmError ? error.details.retryAfterMs : undefined;
    const delaySeconds = Math.max(
      retryDelaySeconds(message.attempts, retryBase),
      Math.min(MAX_RETRY_AFTER_SECONDS, Math.ceil((retryAfterMs ?? 0) / 1000)),
    );
    await recordEvent(db, refOf(message.body), 'enrich', 'retry', {
      attempt: message.attempts,
      delaySeconds,
      error: describeError(error),
    }).catch(() => {});
    message.retry({ delaySeconds });
  }
}

/**
 * The enrich messages of one batch of `vellum-ingest` or its dead-letter queue, as the queue
 * dispatcher (src/queues/dispatch.ts) hands them over. Dead letters are recorded as a failed
 * enrichment; the document was ready before enrichment began and stays ready.
 */
export async function handleEnrichMessages(
  messages: readonly Message<EnrichMessage>[],
  source: { deadLetter: boolean },
  env: Env,
  ctx: ExecutionContext,
) {
  await withBatchResources(env, ctx, async ({ db, metrics, retryBase }) => {
    if (source.deadLetter) {
      for (const message of messages) {
        await recordEvent(db, refOf(message.body), 'enrich', 'failed', {
          reason: 'retries_exhausted',
          attempts: message.attempts,
        }).catch(() => {});
        message.ack();
      }
      return;
    }
    await runWithinBudget(
      messages,
      { budgetBytes: 0, maxConcurrent: CONCURRENCY, bytesOf: () => 0 },
      (message) => handleEnrichMessage(env, db, message, retryBase, metrics),
    );
  });
}
