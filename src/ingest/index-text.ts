import { and, eq, sql } from 'drizzle-orm';
import { createEmbedder } from '../ai/embed';
import { embedWithCache } from '../ai/embed/cache';
import type { Database } from '../db/client';
import { chunks, documents } from '../db/schema';
import { createVectorStore } from '../retrieval/vectors';
import { chunkText, hashChunkText } from './chunk';
import { stageDone, type IngestContext } from './context';
import { PermanentIngestError } from './retry';
import { addChunksDone, recordEvent, setProgress, type VersionRef } from './status';

/** Chunks are written and embedded in batches of this size, reporting progress after each. */
const BATCH = 100;

/**
 * Thrown when the document turned out to be deleting (or gone) mid-ingest, after this message
 * removed the vectors it had just written: the deletion saga may already have passed them.
 */
export class DocumentDeletedError extends Error {}

/** Whether the document is gone or being deleted (src/documents/purge.ts). */
async function isBeingDeleted(db: Database, ref: VersionRef): Promise<boolean> {
  const [row] = await db
    .select({ status: documents.status })
    .from(documents)
    .where(and(eq(documents.tenantId, ref.tenantId), eq(documents.id, ref.documentId)));
  return !row || row.status === 'deleting';
}

/** The document fields each vector carries as metadata, for filtered search. */
async function vectorMetadataOf(db: Database, ref: VersionRef) {
  const [document] = await db
    .select({
      tags: documents.tags,
      mimeType: documents.mimeType,
      visibility: documents.visibility,
      ownerUserId: documents.ownerUserId,
    })
    .from(documents)
    .where(and(eq(documents.tenantId, ref.tenantId), eq(documents.id, ref.documentId)));
  return {
    documentId: ref.documentId,
    version: ref.version,
    tags: document?.tags ?? [],
    mimeType: document?.mimeType,
    visibility: document?.visibility,
    ownerUserId: document?.ownerUserId,
  };
}

/** Chunks, stores, embeds (reusing cached vectors) and indexes one text; idempotent per ordinal. */
export async function indexText(
  ctx: IngestContext,
  ref: VersionRef,
  text: string,
  options: {
    pages?: Array<{ page: number; start: number; end: number }>;
    ordinalBase: number;
    charBase: number;
  },
) {
  const started = Date.now();
  const drafts = chunkText(text, options.pages ? { pages: options.pages } : {});
  if (drafts.length === 0)
    throw new PermanentIngestError('no_text', 'the document has no extractable text');
  await setProgress(ctx.db, ref, {
    stage: 'embed',
    chunksTotal: options.ordinalBase === 0 && options.charBase === 0 ? drafts.length : undefined,
  });
  await recordEvent(ctx.db, ref, 'chunk', 'done', {
    chunks: drafts.length,
    ms: stageDone(ctx, ref, 'chunk', Date.now() - started),
    ordinalBase: options.ordinalBase,
  });
  const embedder = createEmbedder(ctx.env);
  const vectors = createVectorStore(ctx.env, ctx.db);
  const metadata = await vectorMetadataOf(ctx.db, ref);
  let reused = 0;
  let embedded = 0;
  for (let i = 0; i < drafts.length; i += BATCH) {
    const batch = drafts.slice(i, i + BATCH);
    const hashes = await Promise.all(batch.map((d) => hashChunkText(d.text)));
    const rows = await ctx.db
      .insert(chunks)
      .values(
        batch.map((d, j) => ({
          ...ref,
          ordinal: options.ordinalBase + d.ordinal,
          text: d.text,
          tokenCount: d.tokenCount,
          contentHash: hashes[j]!,
          headingPath: d.headingPath,
          headingText: d.headingPath.join(' / '),
          charStart: options.charBase + d.charStart,
          charEnd: options.charBase + d.charEnd,
          page: d.page ?? null,
        })),
      )
      .onConflictDoUpdate({
        target: [chunks.documentId, chunks.version, chunks.ordinal],
        set: {
          text: sql`excluded.text`,
          tokenCount: sql`excluded.token_count`,
          contentHash: sql`excluded.content_hash`,
          headingPath: sql`excluded.heading_path`,
          headingText: sql`excluded.heading_text`,
          charStart: sql`excluded.char_start`,
          charEnd: sql`excluded.char_end`,
          page: sql`excluded.page`,
        },
      })
      .returning({ id: chunks.id, ordinal: chunks.ordinal, contentHash: chunks.contentHash });
    const result = await embedWithCache(
      ctx.db,
      embedder,
      ref.tenantId,
      batch.map((d, j) => ({ hash: hashes[j]!, text: d.text })),
    );
    reused += result.reused;
    embedded += result.embedded;
    await vectors.upsert(
      ref.tenantId,
      rows.map((r) => ({ id: r.id, values: result.vectors.get(r.contentHash)!, metadata })),
    );
    // The deletion saga deletes the vectors of the chunk rows it sees. Rows written after it
    // looked are this message's to clean: checked after the upsert, so every vector is
    // either seen by the saga or deleted here.
    if (await isBeingDeleted(ctx.db, ref)) {
      await vectors.deleteByIds(
        ref.tenantId,
        rows.map((r) => r.id),
      );
      throw new DocumentDeletedError();
    }
    await addChunksDone(ctx.db, ref, batch.length);
  }
  await recordEvent(ctx.db, ref, 'embed', 'done', {
    chunks: drafts.length,
    reused,
    embedded,
    model: embedder.model,
    ms: stageDone(ctx, ref, 'embed', Date.now() - started),
  });
  return { count: drafts.length, reused, embedded };
}
