import { anthropicFromConfig } from '../ai/llm/anthropic';
import { llmConfigFromEnv } from '../ai/llm/config';
import { LlmError } from '../ai/llm/types';
import { priceTable } from '../ai/usage/prices';
import { openDatabase, type Database } from '../db/client';
import { processEnrichMessage } from '../enrichment/run';
import { purgeDocument } from '../documents/purge';
import type { DeleteMessage, EnrichMessage, Env, IngestMessage, IngestQueueMessage } from '../env';
import { flushMetrics, MetricsRecorder, recordIngestStage } from '../metrics';
import { meteredAi, meteredLlm } from '../metrics/ai';
import { logJson } from '../observability/log';
import { processIngestMessage } from './pipeline';
import {
  DEFAULT_RETRY_BASE_SECONDS,
  describeError,
  PermanentIngestError,
  retryDelaySeconds,
} from './retry';
import {
  beginAttempt,
  deferExtraWholeFiles,
  deferUntilLeaseEnds,
  endAttempt,
  MAX_CRASHES,
} from './isolation';
import { runWithinBudget } from './schedule';
import { failVersion, recordEvent, versionStatus, type VersionRef } from './status';

/** Messages of one batch processed at once; the pool is shared. */
const CONCURRENCY = 4;
/**
 * Bytes of source held at once across those messages. Extracted text, chunks and vectors cost
 * a small multiple of the source, so 16 MiB keeps an invocation well inside the 128 MB isolate.
 */
export const DEFAULT_MEMORY_BUDGET_BYTES = 16 * 1024 * 1024;

const refOf = (m: IngestMessage | EnrichMessage): VersionRef => ({
  tenantId: m.tenantId,
  documentId: m.documentId,
  version: m.version,
});

/**
 * What a message holds in memory, for the budget: inflated bytes, not stored ones. A slice is
 * text read as is, so its byte range is both; enrichment reads a few chunks; deletion none; an ingest
 * message without a size is assumed to need the whole budget. Whole-file messages (the only ones that
 * inflate: DOCX, PDF) never share the budget: one runs alone after the rest of the batch
 * (isolation.ts), and its stored plus inflated bytes are held to `INGEST_MAX_WORKING_BYTES`
 * (`checkWorkingBytes`: declared zip sizes, the PDF guard's measured streams).
 */
const bytesOf = (m: IngestQueueMessage, budget: number) =>
  m.kind !== 'ingest' ? 0 : (m.bytes ?? (m.slice ? m.slice.end - m.slice.start : budget));

/**
 * Runs (or resumes) a document's deletion saga. Each step is recorded as it finishes, so a
 * retry resumes after the last one; when the retries run out the dead-letter handler leaves
 * the document `deleting` for the daily cron.
 */
async function handleDeleteMessage(
  env: Env,
  db: Database,
  message: Message<DeleteMessage>,
  retryBase: number,
) {
  try {
    await purgeDocument(env, db, message.body.tenantId, message.body.documentId);
    message.ack();
  } catch {
    // The failed step was recorded (and logged) by purgeDocument.
    message.retry({ delaySeconds: retryDelaySeconds(message.attempts, retryBase) });
  }
}

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
 * The document work of one batch of `vellum-ingest` or its dead-letter queue, as the queue
 * dispatcher (src/queues/dispatch.ts) hands it over. Permanent failures fail the document at
 * once; transient ones retry with backoff until the queue dead-letters them. Enrichment and
 * deletion share the queue; neither ever fails a document.
 */
export async function handleIngestMessages(
  messages: readonly Message<IngestQueueMessage>[],
  source: { deadLetter: boolean },
  env: Env,
  ctx: ExecutionContext,
) {
  const { db, close } = openDatabase(env, 'background');
  // The batch's stage durations and model calls, flushed when the batch is done.
  const metrics = new MetricsRecorder();
  const retryBase = Number(env.INGEST_RETRY_BASE_SECONDS ?? DEFAULT_RETRY_BASE_SECONDS);
  const budgetBytes = Number(env.INGEST_MEMORY_BUDGET_BYTES) || DEFAULT_MEMORY_BUDGET_BYTES;
  try {
    if (source.deadLetter) {
      for (const message of messages) {
        const body = message.body;
        if (body.kind === 'delete') {
          // The document stays hidden and `deleting`; the daily cron queues it again.
          logJson('error', {
            msg: 'document.delete_dead_lettered',
            tenantId: body.tenantId,
            documentId: body.documentId,
            attempts: message.attempts,
          });
          message.ack();
          continue;
        }
        const ref = refOf(body);
        if (body.kind === 'enrich') {
          // The document was ready before enrichment began; it stays ready.
          await recordEvent(db, ref, 'enrich', 'failed', {
            reason: 'retries_exhausted',
            attempts: message.attempts,
          }).catch(() => {});
        } else if ((await versionStatus(db, ref)) !== 'ready') {
          await failVersion(db, ref, 'retries_exhausted', { attempts: message.attempts });
        }
        message.ack();
      }
      return;
    }
    const limits = {
      budgetBytes,
      maxConcurrent: CONCURRENCY,
      bytesOf: (m: Message<IngestQueueMessage>) => bytesOf(m.body, budgetBytes),
    };
    const handle = async (message: Message<IngestQueueMessage>) => {
      const body = message.body;
      if (body.kind === 'enrich') {
        await handleEnrichMessage(env, db, message as Message<EnrichMessage>, retryBase, metrics);
        return;
      }
      if (body.kind === 'delete') {
        await handleDeleteMessage(env, db, message as Message<DeleteMessage>, retryBase);
        return;
      }
      const ref = refOf(body);
      if (message.attempts === 1 && body.enqueuedAt) {
        recordIngestStage(metrics, body.tenantId, 'queue_wait', Date.now() - body.enqueuedAt);
      }
      try {
        const metered = meteredAi(env, metrics, body.tenantId, 'ingest');
        await processIngestMessage({ env: metered, db, metrics }, body);
        message.ack();
      } catch (error) {
        if (error instanceof PermanentIngestError) {
          await failVersion(db, ref, error.code, { message: error.message, ...error.detail });
          message.ack();
          return;
        }
        const delaySeconds = retryDelaySeconds(message.attempts, retryBase);
        await recordEvent(db, ref, 'retry', 'scheduled', {
          attempt: message.attempts,
          delaySeconds,
          slice: body.slice?.index ?? null,
          error: describeError(error),
        }).catch(() => {});
        message.retry({ delaySeconds });
      }
    };
    // Poison isolation: one whole-file message per invocation, run after the rest of the batch
    // is settled and acked, so if it kills the invocation nothing else is redelivered with it.
    const { rest, wholeFile } = await deferExtraWholeFiles(env, messages);
    await runWithinBudget(rest, limits, handle);
    if (wholeFile) {
      const ref = refOf(wholeFile.body);
      const { crashes, leased } = await beginAttempt(db, ref);
      // Another delivery of this version may be running (a duplicate, or two deliveries at
      // once): counting its mark as a crash would be wrong, and so would clearing it.
      if (!leased) await deferUntilLeaseEnds(env, wholeFile);
      else
        try {
          if (crashes >= MAX_CRASHES) {
            if ((await versionStatus(db, ref)) !== 'ready')
              await failVersion(db, ref, 'processing_crashed', { crashes });
            wholeFile.ack();
          } else await handle(wholeFile);
        } finally {
          await endAttempt(db, ref).catch(() => {});
        }
    }
  } finally {
    ctx.waitUntil(close().catch(() => {}));
    ctx.waitUntil(flushMetrics(env, metrics));
  }
}
