import { and, asc, desc, eq, gt, lt, ne, or, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../db/client';
import { chunks, documents, documentVersions, ingestionEvents } from '../db/schema';
import { decodeCursor, encodeCursor, isCursorTimestamp, isUuid } from '../http/cursor';
import { versionWhere } from '../ingest/status';
import { accessPredicate, type DocumentAccess } from '../access/visibility';
import { forgetCorpusVersion } from '../retrieval/corpus-version';

export type DocumentRow = typeof documents.$inferSelect;
export type VersionRow = typeof documentVersions.$inferSelect;

export const objectKey = (tenantId: string, documentId: string, version: number) =>
  `tenants/${tenantId}/documents/${documentId}/v${version}`;
/**
 * The key one upload streams to: unique per upload, so two concurrent uploads of version n+1
 * never overwrite (or, on cleanup, delete) each other's bytes. The version row stores it
 * (`r2_key`), and every reader (download, ingest, retention, orphan sweep) goes by that.
 */
export const newObjectKey = (tenantId: string, documentId: string, version: number) =>
  `${objectKey(tenantId, documentId, version)}-${crypto.randomUUID()}`;
export const documentPrefix = (tenantId: string, documentId: string) =>
  `tenants/${tenantId}/documents/${documentId}/`;

export function toDocumentDto(row: DocumentRow) {
  return {
    id: row.id,
    title: row.title,
    mimeType: row.mimeType,
    byteSize: row.byteSize,
    sha256: row.sha256,
    currentVersion: row.currentVersion,
    readyVersion: row.readyVersion,
    status: row.status as 'queued' | 'processing' | 'ready' | 'failed',
    failureReason: row.failureReason,
    progress: { stage: row.stage, chunksDone: row.chunksDone, chunksTotal: row.chunksTotal },
    tags: row.tags,
    metadata: row.metadata,
    summary: row.summary,
    suggestedTags: row.suggestedTags,
    visibility: row.visibility,
    ownerUserId: row.ownerUserId,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function toVersionDto(row: VersionRow) {
  return {
    version: row.version,
    sha256: row.sha256,
    byteSize: row.byteSize,
    mimeType: row.mimeType,
    filename: row.filename,
    status: row.status,
    failureReason: row.failureReason,
    chunkCount: row.chunkCount,
    chunksReused: row.chunksReused,
    chunksEmbedded: row.chunksEmbedded,
    sliceCount: row.sliceCount,
    createdAt: row.createdAt.toISOString(),
    readyAt: row.readyAt?.toISOString() ?? null,
  };
}

/** Reads never see a document being deleted (src/documents/purge.ts). */
const notDeleting = ne(documents.status, 'deleting');

/**
 * A document of the tenant, if `access` (null = an API key: the whole tenant) reaches it; one
 * being deleted only when `includeDeleting` (DELETE is idempotent).
 */
export async function findDocument(
  db: Database,
  tenantId: string,
  id: string,
  access: DocumentAccess | null = null,
  options: { includeDeleting?: boolean } = {},
) {
  const [row] = await db
    .select()
    .from(documents)
    .where(
      and(
        eq(documents.tenantId, tenantId),
        eq(documents.id, id),
        options.includeDeleting ? undefined : notDeleting,
        accessPredicate(access, 'documents'),
      ),
    )
    .limit(1);
  return row;
}

/** The document of this owner (null: API-key uploads) holding this content; dedup is per owner. */
export async function findDocumentBySha(
  db: Database,
  tenantId: string,
  sha256: string,
  ownerUserId: string | null,
) {
  const [row] = await db
    .select()
    .from(documents)
    .where(
      and(
        eq(documents.tenantId, tenantId),
        eq(documents.sha256, sha256),
        sql`${documents.ownerUserId} IS NOT DISTINCT FROM ${ownerUserId}`,
      ),
    )
    .limit(1);
  return row;
}

export async function findVersion(
  db: Database,
  tenantId: string,
  documentId: string,
  version: number,
) {
  const [row] = await db
    .select({ version: documentVersions })
    .from(documentVersions)
    .innerJoin(documents, eq(documents.id, documentVersions.documentId))
    .where(and(versionWhere({ tenantId, documentId, version }), notDeleting))
    .limit(1);
  return row?.version;
}

export async function documentDetail(db: Database, row: DocumentRow) {
  const [versions, history] = await Promise.all([
    db
      .select()
      .from(documentVersions)
      .where(
        and(eq(documentVersions.tenantId, row.tenantId), eq(documentVersions.documentId, row.id)),
      )
      .orderBy(asc(documentVersions.version)),
    db
      .select()
      .from(ingestionEvents)
      .where(
        and(eq(ingestionEvents.tenantId, row.tenantId), eq(ingestionEvents.documentId, row.id)),
      )
      .orderBy(asc(ingestionEvents.id))
      .limit(200),
  ]);
  return {
    ...toDocumentDto(row),
    versions: versions.map(toVersionDto),
    history: history.map((e) => ({
      version: e.version,
      stage: e.stage,
      status: e.status,
      detail: e.detail ?? null,
      at: e.createdAt.toISOString(),
    })),
  };
}

/** Lives with the corpus version it bumps; re-exported for the document services. */
export { bumpCorpusVersion } from '../retrieval/corpus-version';

/**
 * Bumps the corpus version only if the document is served (`ready_version` set): a document
 * search has never returned cannot make a cached result wrong. Returns whether it bumped.
 */
export async function bumpCorpusVersionIfServed(
  db: Pick<Database, 'execute'>,
  tenantId: string,
  documentId: string,
): Promise<boolean> {
  const result = await db.execute(sql`
    UPDATE tenants SET corpus_version = corpus_version + 1
    WHERE id = ${tenantId}::uuid AND EXISTS (
      SELECT 1 FROM documents d
      WHERE d.tenant_id = ${tenantId}::uuid AND d.id = ${documentId}::uuid
        AND d.ready_version IS NOT NULL)
    RETURNING 1`);
  const bumped = result.rows.length > 0;
  if (bumped) forgetCorpusVersion(tenantId);
  return bumped;
}

export interface ListOptions {
  limit: number;
  cursor?: string;
  sort: 'created' | 'updated' | 'title';
  order: 'asc' | 'desc';
  tag?: string;
  status?: string;
  mime?: string;
  metadata: Array<[string, string]>;
}

type Cursor = [string, string];
/** Title cursors carry any string; date cursors must be timestamps Postgres reads (else a 500). */
const cursorFor =
  (sort: ListOptions['sort']) =>
  (v: unknown): v is Cursor =>
    Array.isArray(v) &&
    v.length === 2 &&
    (sort === 'title' ? typeof v[0] === 'string' : isCursorTimestamp(v[0])) &&
    isUuid(v[1]);

/** Keyset pagination over (sort column, id), always inside one tenant and the caller's reach. */
export async function listDocuments(
  db: Database,
  tenantId: string,
  options: ListOptions,
  access: DocumentAccess | null = null,
) {
  const column =
    options.sort === 'title'
      ? documents.title
      : options.sort === 'updated'
        ? documents.updatedAt
        : documents.createdAt;
  const filters: SQL[] = [eq(documents.tenantId, tenantId), notDeleting];
  const reach = accessPredicate(access, 'documents');
  if (reach) filters.push(reach);
  if (options.tag) filters.push(sql`${documents.tags} @> ARRAY[${options.tag}]::text[]`);
  if (options.status) filters.push(eq(documents.status, options.status));
  if (options.mime) filters.push(eq(documents.mimeType, options.mime));
  for (const [key, value] of options.metadata) {
    filters.push(sql`${documents.metadata} @> ${JSON.stringify({ [key]: value })}::jsonb`);
  }
  if (options.cursor) {
    const [value, id] = decodeCursor(options.cursor, cursorFor(options.sort));
    const typed = options.sort === 'title' ? value : new Date(value);
    const after = options.order === 'asc' ? gt : lt;
    filters.push(or(after(column, typed), and(eq(column, typed), after(documents.id, id)))!);
  }
  const direction = options.order === 'asc' ? asc : desc;
  const rows = await db
    .select()
    .from(documents)
    .where(and(...filters))
    .orderBy(direction(column), direction(documents.id))
    .limit(options.limit + 1);
  const page = rows.slice(0, options.limit);
  const last = page.at(-1);
  const nextCursor =
    rows.length > options.limit && last
      ? encodeCursor([
          options.sort === 'title'
            ? last.title
            : (options.sort === 'updated' ? last.updatedAt : last.createdAt).toISOString(),
          last.id,
        ])
      : null;
  return { data: page.map(toDocumentDto), nextCursor };
}

export async function listChunks(
  db: Database,
  tenantId: string,
  documentId: string,
  version: number,
  limit: number,
  afterOrdinal = -1,
) {
  const rows = await db
    .select({
      id: chunks.id,
      version: chunks.version,
      ordinal: chunks.ordinal,
      text: chunks.text,
      tokenCount: chunks.tokenCount,
      contentHash: chunks.contentHash,
      headingPath: chunks.headingPath,
      charStart: chunks.charStart,
      charEnd: chunks.charEnd,
      page: chunks.page,
    })
    .from(chunks)
    .where(
      and(
        eq(chunks.tenantId, tenantId),
        eq(chunks.documentId, documentId),
        eq(chunks.version, version),
        gt(chunks.ordinal, afterOrdinal),
      ),
    )
    .orderBy(asc(chunks.ordinal))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  return { data: page, nextCursor: rows.length > limit ? (page.at(-1)?.ordinal ?? null) : null };
}
