import type { Env, IngestMessage } from '../env';
import { recordIngestStage } from '../metrics';
import { meteredAi } from '../metrics/ai';
import { withBatchResources } from './batch';
import { processIngestMessage } from './pipeline';
import { describeError, PermanentIngestError, retryDelaySeconds } from './retry';
import {
  beginAttempt,
  deferExtraWholeFiles,
  deferUntilLeaseEnds,
  endAttempt,
  MAX_CRASHES,
} from './isolation';
import { runWithinBudget } from './schedule';
import { failVersion, recordEvent, versionRefOf as refOf, versionStatus } from './status';

/** Messages of one batch processed at once; the pool is shared. */
const CONCURRENCY = 4;
/**
 * Bytes of source held at once across those messages. Extracted text, chunks and vectors cost
 * a small multiple of the source, so 16 MiB keeps an invocation well inside the 128 MB isolate.
 */
export const DEFAULT_MEMORY_BUDGET_BYTES = 16 * 1024 * 1024;

/**
 * What a message holds in memory, for the budget: inflated bytes, not stored ones. A slice is
 * text read as is, so its byte range is both; a message without a size is assumed to need the whole budget. Whole-file messages (the only ones that
 * inflate: DOCX, PDF) never share the budget: one runs alone after the rest of the batch
 * (isolation.ts), and its stored plus inflated bytes are held to `INGEST_MAX_WORKING_BYTES`
 * (`checkWorkingBytes`: declared zip sizes, the PDF guard's measured streams).
 */
const bytesOf = (m: IngestMessage, budget: number) =>
  m.bytes ?? (m.slice ? m.slice.end - m.slice.start : budget);

/**
 * The ingest messages of one batch of `vellum-ingest` or its dead-letter queue, as the queue
 * dispatcher (src/queues/dispatch.ts) hands them over. Permanent failures fail the document at
 * once; transient ones retry with backoff until the queue dead-letters them. Enrichment and
 * deletion share the queue but have their own consumers (enrichment/consumer.ts,
 * documents/delete-consumer.ts); neither ever fails a document.
 */
export async function handleIngestMessages(
  messages: readonly Message<IngestMessage>[],
  source: { deadLetter: boolean },
  env: Env,
  ctx: ExecutionContext,
) {
  const budgetBytes = Number(env.INGEST_MEMORY_BUDGET_BYTES) || DEFAULT_MEMORY_BUDGET_BYTES;
  await withBatchResources(env, ctx, async ({ db, metrics, retryBase }) => {
    if (source.deadLetter) {
      for (const message of messages) {
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
    const handle = async (message: Message<IngestMessage>) => {
      const body = message.body;
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
  });
}
