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
export async function deferExtraWholeFiles<M extends IngestQueueMessage>(
  env: Pick<Env, 'INGEST_QUEUE'>,
  messages: readonly Message<M>[],
): Promise<{ rest: Message<M>[]; wholeFile?: Message<IngestMessage> }> {
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
 * How long a whole-file attempt may be alive: a queue consumer invocation's wall-clock limit
 * (15 minutes). A start mark younger than this may belong to an attempt that is still running
 * (a duplicate or concurrent delivery of the same version), so only an older one is a crash.
 */
export const ATTEMPT_LEASE_SECONDS = 15 * 60;

/**
 * Takes the version's attempt lease and returns how many earlier attempts died with their
 * invocation. A start mark older than the lease means the attempt that set it never reached
 * `endAttempt`: one crash. A younger mark means another attempt may be running: `leased` is
 * false, nothing is counted, and the caller must neither process nor clear the mark.
 */
export async function beginAttempt(
  db: Database,
  ref: VersionRef,
): Promise<{ crashes: number; leased: boolean }> {
  const lease = sql`${documentVersions.attemptStartedAt} <= now() - make_interval(secs => ${ATTEMPT_LEASE_SECONDS})`;
  const free = sql`(${documentVersions.attemptStartedAt} is null or ${lease})`;
  const [row] = await db
    .update(documentVersions)
    .set({
      crashes: sql`${documentVersions.crashes} + (${documentVersions.attemptStartedAt} is not null and ${lease})::int`,
      attemptStartedAt: sql`case when ${free} then now() else ${documentVersions.attemptStartedAt} end`,
    })
    .where(versionWhere(ref))
    .returning({
      crashes: documentVersions.crashes,
      leased: sql<boolean>`${documentVersions.attemptStartedAt} = now()`,
    });
  // A deleted version has no row: nothing to guard, the pipeline skips it.
  return row ? { crashes: row.crashes, leased: row.leased } : { crashes: 0, leased: true };
}

/** Clears the start mark: the attempt ended (in success, failure or a scheduled retry). */
export async function endAttempt(db: Database, ref: VersionRef): Promise<void> {
  await db.update(documentVersions).set({ attemptStartedAt: null }).where(versionWhere(ref));
}

/**
 * A delivery that found another attempt's lease: sent again for when that lease has run out
 * (by then the version is done and the copy is skipped, or the attempt died and the copy counts
 * the crash), and acked, so no attempt is spent. If the send fails it is retried instead.
 */
export async function deferUntilLeaseEnds(
  env: Pick<Env, 'INGEST_QUEUE'>,
  message: Message<IngestMessage>,
): Promise<void> {
  const delaySeconds = ATTEMPT_LEASE_SECONDS + 5;
  try {
    await env.INGEST_QUEUE.send(message.body, { contentType: 'json', delaySeconds });
    message.ack();
  } catch {
    message.retry({ delaySeconds });
  }
}
