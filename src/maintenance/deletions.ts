import type { Database } from '../db/client';
import { unfinishedDeletions } from '../documents/purge';
import type { DeleteMessage, Env } from '../env';

export interface DeletionsResult {
  /** Documents still `deleting` past the grace period, whose saga was queued again. */
  requeued: number;
}

/**
 * A deletion's message is older than this before the cron queues it again: younger ones may
 * still be in flight or waiting out a retry (a duplicate would be harmless, only wasted).
 */
const DEFAULT_GRACE_MS = 15 * 60_000;

/**
 * Queues the saga again for documents left `deleting`: their DELETE could not enqueue, or the
 * message was dead-lettered. The saga resumes after its last recorded step.
 */
export async function resumeDeletions(
  db: Database,
  env: Pick<Env, 'INGEST_QUEUE'>,
  options: { now: number; graceMs?: number },
): Promise<DeletionsResult> {
  const stale = await unfinishedDeletions(
    db,
    new Date(options.now - (options.graceMs ?? DEFAULT_GRACE_MS)),
  );
  const enqueuedAt = Date.now();
  for (let i = 0; i < stale.length; i += 100) {
    await env.INGEST_QUEUE.sendBatch(
      stale.slice(i, i + 100).map((d) => ({
        body: { kind: 'delete', ...d, enqueuedAt } satisfies DeleteMessage,
        contentType: 'json' as const,
      })),
    );
  }
  return { requeued: stale.length };
}
