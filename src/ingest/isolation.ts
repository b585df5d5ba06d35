import { sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import { documentVersions } from '../db/schema';
import type { Env, IngestMessage, IngestQueueMessage } from '../env';
import { versionWhere, type VersionRef } from './status';

/** Invocations a whole-file attempt may take down before its document fails instead. */
export const MAX_CRASHES = 2;

/**
 * A message that parses a whole file (not a slice, enrichment or deletion): the only kind whose CPU and
 * memory depend on what the uploader crafted, so the kind that can kill an invocation.
 */
export const isWholeFile = (body: IngestQueueMessage): body is IngestMessage =>
  body.kind === 'ingest' && !body.slice;

/**
 * Splits a batch so at most one whole-file message runs in this invocation: if it exhausts
 * the isolate's CPU or memory, only it is redelivered. The other whole-file messages are sent
 * again as new messages (delay 0) and acked, rather than `retry()`d, because a retry would
 * spend one of their attempts and enough poison could push an innocent document to the
 * dead-letter queue. If the re-send fails they fall back to `retry()`.
 */
export async function deferExtraWholeFiles(
  env: Pick<Env, 'INGEST_QUEUE'>,
  messages: readonly Message<IngestQueueMessage>[],
): Promise<{ rest: Message<IngestQueueMessage>[]; wholeFile?: Message<IngestMessage> }> {
  const wholeFiles = messages.filter((m) => isWholeFile(m.body)) as Message<IngestMessage>[];
  const rest = messages.filter((m) => !isWholeFile(m.body));
  const [wholeFile, ...extra] = wholeFiles;
  if (extra.length) {
    try {
      await env.INGEST_QUEUE.sendBatch(
        extra.map((m) => ({ body: m.body, contentType: 'json' as const, delaySeconds: 0 })),
      );
      for (const m of extra) m.ack();
    } catch {
      for (const m of extra) m.retry({ delaySeconds: 0 });
    }
  }
  return { rest, ...(wholeFile ? { wholeFile } : {}) };
}

/**
 * Marks the start of a whole-file attempt and returns how many earlier attempts died with
 * their invocation: a start mark still set means the last attempt never reached `endAttempt`.
 */
export async function beginAttempt(db: Database, ref: VersionRef): Promise<number> {
  const [row] = await db
    .update(documentVersions)
    .set({
      crashes: sql`${documentVersions.crashes} + (${documentVersions.attemptStartedAt} is not null)::int`,
      attemptStartedAt: sql`now()`,
    })
    .where(versionWhere(ref))
    .returning({ crashes: documentVersions.crashes });
  return row?.crashes ?? 0;
}

/** Clears the start mark: the attempt ended (in success, failure or a scheduled retry). */
export async function endAttempt(db: Database, ref: VersionRef): Promise<void> {
  await db.update(documentVersions).set({ attemptStartedAt: null }).where(versionWhere(ref));
}
