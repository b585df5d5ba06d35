import { openDatabase, type Database } from '../db/client';
import type { DeleteMessage, Env } from '../env';
import { DEFAULT_RETRY_BASE_SECONDS, retryDelaySeconds } from '../ingest/retry';
import { runWithinBudget } from '../ingest/schedule';
import { logJson } from '../observability/log';
import { purgeDocument } from './purge';

/** Deletions of one batch run at once (each holds no document bytes). */
const CONCURRENCY = 4;

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

/**
 * The delete messages of one batch of `vellum-ingest` or its dead-letter queue, as the queue
 * dispatcher (src/queues/dispatch.ts) hands them over. They share the ingest queue (and its
 * retry policy) but are documents' work, so ingest never imports the deletion saga.
 */
export async function handleDeleteMessages(
  messages: readonly Message<DeleteMessage>[],
  source: { deadLetter: boolean },
  env: Env,
  ctx: ExecutionContext,
) {
  if (source.deadLetter) {
    for (const message of messages) {
      // The document stays hidden and `deleting`; the daily cron queues it again.
      logJson('error', {
        msg: 'document.delete_dead_lettered',
        tenantId: message.body.tenantId,
        documentId: message.body.documentId,
        attempts: message.attempts,
      });
      message.ack();
    }
    return;
  }
  const { db, close } = openDatabase(env, 'background');
  const retryBase = Number(env.INGEST_RETRY_BASE_SECONDS ?? DEFAULT_RETRY_BASE_SECONDS);
  try {
    await runWithinBudget(
      messages,
      { budgetBytes: 0, maxConcurrent: CONCURRENCY, bytesOf: () => 0 },
      (message) => handleDeleteMessage(env, db, message, retryBase),
    );
  } finally {
    ctx.waitUntil(close().catch(() => {}));
  }
}
