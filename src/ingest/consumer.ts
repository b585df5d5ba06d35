import { openDatabase } from '../db/client';
import type { Env, IngestMessage } from '../env';
import { processIngestMessage } from './pipeline';
import {
  DEFAULT_RETRY_BASE_SECONDS,
  describeError,
  PermanentIngestError,
  retryDelaySeconds,
} from './retry';
import { runWithinBudget } from './schedule';
import { failVersion, recordEvent, versionStatus, type VersionRef } from './status';

/** Messages of one batch processed at once; the pool is shared. */
const CONCURRENCY = 4;
/**
 * Bytes of source held at once across those messages. Extracted text, chunks and vectors cost
 * a small multiple of the source, so 16 MiB keeps an invocation well inside the 128 MB isolate.
 */
export const DEFAULT_MEMORY_BUDGET_BYTES = 16 * 1024 * 1024;

const refOf = (m: IngestMessage): VersionRef => ({
  tenantId: m.tenantId,
  documentId: m.documentId,
  version: m.version,
});

/** Bytes a message will load; a message without a size is assumed to need the whole budget. */
const bytesOf = (m: IngestMessage, budget: number) =>
  m.bytes ?? (m.slice ? m.slice.end - m.slice.start : budget);

/**
 * Queue consumer for `vellum-ingest` and its dead-letter queue. Permanent failures fail the
 * document at once; transient ones retry with backoff until the queue dead-letters them.
 */
export async function handleIngestBatch(
  batch: MessageBatch<IngestMessage>,
  env: Env,
  ctx: ExecutionContext,
) {
  const { db, close } = openDatabase(env);
  const retryBase = Number(env.INGEST_RETRY_BASE_SECONDS ?? DEFAULT_RETRY_BASE_SECONDS);
  const budgetBytes = Number(env.INGEST_MEMORY_BUDGET_BYTES) || DEFAULT_MEMORY_BUDGET_BYTES;
  try {
    if (batch.queue.endsWith('-dlq')) {
      for (const message of batch.messages) {
        const ref = refOf(message.body);
        if ((await versionStatus(db, ref)) !== 'ready') {
          await failVersion(db, ref, 'retries_exhausted', { attempts: message.attempts });
        }
        message.ack();
      }
      return;
    }
    const limits = {
      budgetBytes,
      maxConcurrent: CONCURRENCY,
      bytesOf: (m: Message<IngestMessage>) => bytesOf(m.body, budgetBytes),
    };
    await runWithinBudget(batch.messages, limits, async (message) => {
      const ref = refOf(message.body);
      try {
        await processIngestMessage({ env, db }, message.body);
        message.ack();
      } catch (error) {
        if (error instanceof PermanentIngestError) {
          await failVersion(db, ref, error.code, { message: error.message });
          message.ack();
          return;
        }
        const delaySeconds = retryDelaySeconds(message.attempts, retryBase);
        await recordEvent(db, ref, 'retry', 'scheduled', {
          attempt: message.attempts,
          delaySeconds,
          slice: message.body.slice?.index ?? null,
          error: describeError(error),
        }).catch(() => {});
        message.retry({ delaySeconds });
      }
    });
  } finally {
    ctx.waitUntil(close().catch(() => {}));
  }
}
