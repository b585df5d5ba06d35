import { and, eq, ne, sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import { documents, documentVersions, ingestionEvents } from '../db/schema';

export interface VersionRef {
  tenantId: string;
  documentId: string;
  version: number;
}

/** Just the version a queue message is about, without the rest of its body. */
export const versionRefOf = (m: VersionRef): VersionRef => ({
  tenantId: m.tenantId,
  documentId: m.documentId,
  version: m.version,
});

/** The `document_versions` row of `ref`, always scoped to its tenant. */
export const versionWhere = (ref: VersionRef) =>
  and(
    eq(documentVersions.tenantId, ref.tenantId),
    eq(documentVersions.documentId, ref.documentId),
    eq(documentVersions.version, ref.version),
  );

export async function recordEvent(
  db: Pick<Database, 'insert'>,
  ref: VersionRef,
  stage: string,
  status: string,
  detail?: Record<string, unknown>,
) {
  await db.insert(ingestionEvents).values({ ...ref, stage, status, detail: detail ?? null });
}

/**
 * The document row of `ref` while `ref` is its latest version and it is not being deleted: a
 * late ingest step must never bring a `deleting` document back into view.
 */
const latestLiveDocument = (ref: VersionRef) =>
  and(
    eq(documents.tenantId, ref.tenantId),
    eq(documents.id, ref.documentId),
    eq(documents.currentVersion, ref.version),
    ne(documents.status, 'deleting'),
  );

/**
 * Updates the document's visible progress, only while `ref` is still its latest version.
 * `whileUnready`: also only until `ref` is served, for progress that a concurrent slice (or a
 * duplicate delivery) may report after another one completed the version.
 */
export async function setProgress(
  db: Pick<Database, 'update'>,
  ref: VersionRef,
  progress: { status?: string; stage?: string; chunksDone?: number; chunksTotal?: number | null },
  options: { whileUnready?: boolean } = {},
) {
  await db
    .update(documents)
    .set({ ...progress, updatedAt: new Date() })
    .where(
      and(
        latestLiveDocument(ref),
        options.whileUnready
          ? sql`${documents.readyVersion} is distinct from ${ref.version}`
          : undefined,
      ),
    );
}

/** Counts indexed chunks until the version is served; later (duplicate) work counts nothing. */
export async function addChunksDone(db: Pick<Database, 'update'>, ref: VersionRef, delta: number) {
  await db
    .update(documents)
    .set({ chunksDone: sql`${documents.chunksDone} + ${delta}` })
    .where(
      and(latestLiveDocument(ref), sql`${documents.readyVersion} is distinct from ${ref.version}`),
    );
}

/** Fails a version (and the document, when it is the latest) with a stable reason code. */
export async function failVersion(
  db: Database,
  ref: VersionRef,
  reason: string,
  detail?: Record<string, unknown>,
) {
  await db.transaction(async (tx) => {
    await tx
      .update(documentVersions)
      .set({ status: 'failed', failureReason: reason })
      .where(versionWhere(ref));
    await setProgress(tx, ref, { status: 'failed', stage: 'failed' });
    await tx.update(documents).set({ failureReason: reason }).where(latestLiveDocument(ref));
    await recordEvent(tx, ref, 'failed', 'failed', { reason, ...detail });
  });
}

/** The version of `ref` with its document's latest version and status; undefined when gone. */
export async function loadVersion(db: Database, ref: VersionRef) {
  const [row] = await db
    .select({
      version: documentVersions,
      currentVersion: documents.currentVersion,
      status: documents.status,
    })
    .from(documentVersions)
    .innerJoin(documents, eq(documents.id, documentVersions.documentId))
    .where(versionWhere(ref))
    .limit(1);
  return row;
}

/** Starts a whole-version attempt: `processing`, progress reset, one more attempt counted. */
export async function markProcessing(db: Database, ref: VersionRef) {
  await db
    .update(documentVersions)
    .set({ status: 'processing', attempts: sql`${documentVersions.attempts} + 1` })
    .where(versionWhere(ref));
  await setProgress(db, ref, { status: 'processing', stage: 'extract', chunksDone: 0 });
  await recordEvent(db, ref, 'processing', 'started');
}

/** Retires a version that a newer upload overtook before it was processed. */
export async function markSuperseded(db: Database, ref: VersionRef, by: number) {
  await db.update(documentVersions).set({ status: 'superseded' }).where(versionWhere(ref));
  await recordEvent(db, ref, 'superseded', 'skipped', { by });
}

export async function versionStatus(db: Database, ref: VersionRef): Promise<string | undefined> {
  const [row] = await db
    .select({ status: documentVersions.status })
    .from(documentVersions)
    .where(versionWhere(ref));
  return row?.status;
}
