import { openDatabase } from '../db/client';
import type { Env, IngestMessage } from '../env';
import { processIngestMessage } from './pipeline';
import {
  DEFAULT_RETRY_BASE_SECONDS,
  describeError,
  PermanentIngestError,
  retryDelaySeconds,
} from './retry';
import { failVersion, recordEvent, versionStatus, type VersionRef } from './status';

/** Messages of one batch processed at once; the pool is shared. */
const CONCURRENCY = 4;

const refOf = (m: IngestMessage): VersionRef => ({
  tenantId: m.tenantId,
  documentId: m.documentId,
  version: m.version,
});

async function eachLimited<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
) {
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++]!);
  });
  await Promise.all(runners);
}

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
    await eachLimited(batch.messages, CONCURRENCY, async (message) => {
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
