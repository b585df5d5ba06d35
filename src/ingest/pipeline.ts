import { and, eq, inArray, isNull, lt, ne, sql } from 'drizzle-orm';
import { createEmbedder } from '../ai/embed';
import { embedWithCache } from '../ai/embed/cache';
import type { Database } from '../db/client';
import { chunks, documents, documentVersions, ingestSlices } from '../db/schema';
import type { Env, IngestMessage } from '../env';
import { enqueueEnrichment } from '../enrichment/enqueue';
import { recordIngestStage, type MetricsRecorder } from '../metrics';
import { logJson } from '../observability/log';
import { lockServedVersion, shiftServedVersion } from '../retrieval/bm25-stats';
import { bumpCorpusVersion } from '../retrieval/corpus-version';
import { createVectorStore } from '../retrieval/vectors';
import { chunkText, hashChunkText } from './chunk';
import { extract, ExtractionError } from './extract';
import { LIMITS } from './extract/limits';
import { PermanentIngestError } from './retry';
import { ORDINAL_STRIDE, planSlices, SLICE_BYTES, SLICEABLE_TYPES } from './slices';
import {
  addChunksDone,
  failVersion,
  recordEvent,
  setProgress,
  versionWhere,
  type VersionRef,
} from './status';

/** Chunks are written and embedded in batches of this size, reporting progress after each. */
const BATCH = 100;
/**
 * Formats that cannot be split are parsed whole; beyond this they fail instead of exhausting
 * memory. This checks the stored bytes before loading; the extractors then hold stored plus
 * inflated bytes to the same ceiling (`checkWorkingBytes`, `INGEST_MAX_WORKING_BYTES`).
 */
export const MAX_WHOLE_FILE_BYTES = LIMITS.workingBytes;

export interface IngestContext {
  env: Env;
  db: Database;
  /** Stage durations go here (`ingest_stage`); the consumer flushes it after the batch. */
  metrics?: MetricsRecorder;
}

/** Notes a finished stage's duration as an event detail's `ms` and as an `ingest_stage` metric. */
function stageDone(ctx: IngestContext, ref: VersionRef, stage: string, ms: number): number {
  if (ctx.metrics) recordIngestStage(ctx.metrics, ref.tenantId, stage, ms);
  return ms;
}

type VersionRow = typeof documentVersions.$inferSelect;
type Outcome = 'done' | 'skipped' | 'planned';

/**
 * Thrown when the document turned out to be deleting (or gone) mid-ingest, after this message
 * removed the vectors it had just written: the deletion saga may already have passed them.
 */
class DocumentDeletedError extends Error {}

/** Whether the document is gone or being deleted (src/documents/purge.ts). */
async function isBeingDeleted(db: Database, ref: VersionRef): Promise<boolean> {
  const [row] = await db
    .select({ status: documents.status })
    .from(documents)
    .where(and(eq(documents.tenantId, ref.tenantId), eq(documents.id, ref.documentId)));
  return !row || row.status === 'deleting';
}

async function loadVersion(db: Database, ref: VersionRef) {
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

/** Handles one ingest message: the whole version, a slicing plan, or one slice. Idempotent. */
export async function processIngestMessage(
  ctx: IngestContext,
  message: IngestMessage,
): Promise<Outcome> {
  try {
    return await processVersion(ctx, message);
  } catch (error) {
    if (error instanceof DocumentDeletedError) return 'skipped';
    throw error;
  }
}

async function processVersion(ctx: IngestContext, message: IngestMessage): Promise<Outcome> {
  const ref: VersionRef = {
    tenantId: message.tenantId,
    documentId: message.documentId,
    version: message.version,
  };
  const row = await loadVersion(ctx.db, ref);
  // Deleted (or being deleted) since it was queued.
  if (!row || row.status === 'deleting') return 'skipped';
  const { version } = row;
  if (version.status === 'ready' || version.status === 'failed' || version.status === 'superseded')
    return 'skipped';
  if (row.currentVersion > ref.version && !message.slice) {
    await ctx.db.update(documentVersions).set({ status: 'superseded' }).where(versionWhere(ref));
    await recordEvent(ctx.db, ref, 'superseded', 'skipped', { by: row.currentVersion });
    return 'skipped';
  }

  if (message.slice)
    return processSlice(ctx, ref, version, message.slice.index, message.traceparent);

  await markProcessing(ctx.db, ref);
  const sliceBytes = Number(ctx.env.INGEST_SLICE_BYTES) || SLICE_BYTES;
  if (SLICEABLE_TYPES.has(version.mimeType) && version.byteSize > sliceBytes) {
    await planAndEnqueueSlices(ctx, ref, version, sliceBytes, message.traceparent);
    return 'planned';
  }
  const maxWorkingBytes = Number(ctx.env.INGEST_MAX_WORKING_BYTES) || MAX_WHOLE_FILE_BYTES;
  if (version.byteSize > maxWorkingBytes) {
    throw new PermanentIngestError(
      'file_too_large_to_process',
      `${version.mimeType} files are parsed whole and are limited to ${maxWorkingBytes} bytes`,
    );
  }
  const object = await ctx.env.DOCUMENTS.get(version.r2Key);
  if (!object) throw new PermanentIngestError('corrupt_file', 'the stored file is missing');
  const bytes = new Uint8Array(await object.arrayBuffer());
  await setProgress(ctx.db, ref, { stage: 'extract' });
  const started = Date.now();
  let extracted;
  try {
    extracted = await extract(bytes, version.mimeType, { maxWorkingBytes });
  } catch (error) {
    if (error instanceof ExtractionError)
      throw new PermanentIngestError(error.code, error.message, error.detail);
    throw error;
  }
  await recordEvent(ctx.db, ref, 'extract', 'done', {
    chars: extracted.text.length,
    ms: stageDone(ctx, ref, 'extract', Date.now() - started),
  });
  const result = await indexText(ctx, ref, extracted.text, {
    pages: extracted.pages,
    ordinalBase: 0,
    charBase: 0,
  });
  await completeVersion(ctx, ref, { ...result, sliceCount: 1 }, message.traceparent);
  return 'done';
}

async function markProcessing(db: Database, ref: VersionRef) {
  await db
    .update(documentVersions)
    .set({ status: 'processing', attempts: sql`${documentVersions.attempts} + 1` })
    .where(versionWhere(ref));
  await setProgress(db, ref, { status: 'processing', stage: 'extract', chunksDone: 0 });
  await recordEvent(db, ref, 'processing', 'started');
}

async function planAndEnqueueSlices(
  ctx: IngestContext,
  ref: VersionRef,
  version: VersionRow,
  sliceBytes: number,
  traceparent?: string,
) {
  const object = await ctx.env.DOCUMENTS.get(version.r2Key);
  if (!object) throw new PermanentIngestError('corrupt_file', 'the stored file is missing');
  await setProgress(ctx.db, ref, { stage: 'plan' });
  const plans = await planSlices(object.body, sliceBytes);
  await ctx.db
    .insert(ingestSlices)
    .values(
      plans.map((p) => ({
        ...ref,
        sliceIndex: p.index,
        byteStart: p.byteStart,
        byteEnd: p.byteEnd,
        charStart: p.charStart,
      })),
    )
    .onConflictDoNothing();
  await ctx.db.update(documentVersions).set({ sliceCount: plans.length }).where(versionWhere(ref));
  await recordEvent(ctx.db, ref, 'plan', 'done', { slices: plans.length, bytes: version.byteSize });
  await setProgress(ctx.db, ref, { stage: `slices 0/${plans.length}` });
  const messages = plans.map((p) => ({
    body: {
      kind: 'ingest' as const,
      ...ref,
      slice: { index: p.index, start: p.byteStart, end: p.byteEnd },
      bytes: p.byteEnd - p.byteStart,
      enqueuedAt: Date.now(),
      ...(traceparent ? { traceparent } : {}),
    },
    contentType: 'json' as const,
  }));
  for (let i = 0; i < messages.length; i += 100)
    await ctx.env.INGEST_QUEUE.sendBatch(messages.slice(i, i + 100));
}

async function processSlice(
  ctx: IngestContext,
  ref: VersionRef,
  version: VersionRow,
  index: number,
  traceparent?: string,
): Promise<Outcome> {
  const [slice] = await ctx.db
    .select()
    .from(ingestSlices)
    .where(
      and(
        eq(ingestSlices.documentId, ref.documentId),
        eq(ingestSlices.version, ref.version),
        eq(ingestSlices.sliceIndex, index),
      ),
    );
  if (!slice) return 'skipped';
  if (!slice.doneAt) {
    const object = await ctx.env.DOCUMENTS.get(version.r2Key, {
      range: { offset: slice.byteStart, length: slice.byteEnd - slice.byteStart },
    });
    if (!object) throw new PermanentIngestError('corrupt_file', 'the stored file is missing');
    const text = new TextDecoder('utf-8', { ignoreBOM: index > 0, fatal: false }).decode(
      await object.arrayBuffer(),
    );
    const result = await indexText(ctx, ref, text, {
      ordinalBase: index * ORDINAL_STRIDE,
      charBase: slice.charStart,
    });
    await ctx.db
      .update(ingestSlices)
      .set({
        doneAt: new Date(),
        chunkCount: result.count,
        chunksReused: result.reused,
        chunksEmbedded: result.embedded,
      })
      .where(
        and(
          eq(ingestSlices.documentId, ref.documentId),
          eq(ingestSlices.version, ref.version),
          eq(ingestSlices.sliceIndex, index),
          isNull(ingestSlices.doneAt),
        ),
      );
  }
  const [totals] = await ctx.db
    .select({
      total: sql<number>`count(*)::int`,
      done: sql<number>`count(${ingestSlices.doneAt})::int`,
      count: sql<number>`coalesce(sum(${ingestSlices.chunkCount}), 0)::int`,
      reused: sql<number>`coalesce(sum(${ingestSlices.chunksReused}), 0)::int`,
      embedded: sql<number>`coalesce(sum(${ingestSlices.chunksEmbedded}), 0)::int`,
    })
    .from(ingestSlices)
    .where(and(eq(ingestSlices.documentId, ref.documentId), eq(ingestSlices.version, ref.version)));
  await setProgress(
    ctx.db,
    ref,
    { stage: `slices ${totals!.done}/${totals!.total}` },
    { whileUnready: true },
  );
  if (totals!.done < totals!.total) return 'done';
  await completeVersion(ctx, ref, { ...totals!, sliceCount: totals!.total }, traceparent);
  return 'done';
}

/** Chunks, stores, embeds (reusing cached vectors) and indexes one text; idempotent per ordinal. */
async function indexText(
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
  const [document] = await ctx.db
    .select({
      tags: documents.tags,
      mimeType: documents.mimeType,
      visibility: documents.visibility,
      ownerUserId: documents.ownerUserId,
    })
    .from(documents)
    .where(eq(documents.id, ref.documentId));
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
      rows.map((r) => ({
        id: r.id,
        values: result.vectors.get(r.contentHash)!,
        metadata: {
          documentId: ref.documentId,
          version: ref.version,
          tags: document?.tags ?? [],
          mimeType: document?.mimeType,
          visibility: document?.visibility,
          ownerUserId: document?.ownerUserId,
        },
      })),
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

/**
 * Makes the version the one search serves, queues its enrichment (when the tenant opted in)
 * and retires older versions' chunks and vectors.
 */
async function completeVersion(
  ctx: IngestContext,
  ref: VersionRef,
  result: { count: number; reused: number; embedded: number; sliceCount: number },
  traceparent?: string,
) {
  const promoted = await ctx.db.transaction(async (tx) => {
    // Only the first completion counts: the last slices can finish at once (or one slice message
    // be delivered twice concurrently), and each then sees every slice done. A second completer
    // finds the version ready (its update waits for the first's row lock) and does nothing more,
    // so there is one `ready` event, one statistics shift and one enrichment message.
    const [claimed] = await tx
      .update(documentVersions)
      .set({
        status: 'ready',
        chunkCount: result.count,
        chunksReused: result.reused,
        chunksEmbedded: result.embedded,
        sliceCount: result.sliceCount,
        readyAt: new Date(),
      })
      .where(and(versionWhere(ref), ne(documentVersions.status, 'ready')))
      .returning({ version: documentVersions.version });
    if (!claimed) return null;
    // Locks the document row before any statistics row (the lock order in bm25-stats.ts) and
    // reads the version it serves until this commits.
    const served = await lockServedVersion(tx, ref.tenantId, ref.documentId);
    const updated = await tx
      .update(documents)
      .set({
        readyVersion: ref.version,
        status: sql`case when ${documents.currentVersion} = ${ref.version} then 'ready' else ${documents.status} end`,
        stage: sql`case when ${documents.currentVersion} = ${ref.version} then 'ready' else ${documents.stage} end`,
        chunksDone: sql`case when ${documents.currentVersion} = ${ref.version} then ${result.count} else ${documents.chunksDone} end`,
        chunksTotal: sql`case when ${documents.currentVersion} = ${ref.version} then ${result.count} else ${documents.chunksTotal} end`,
        failureReason: null,
        // A summary describes the version it was written for; a newly served one starts without.
        summary: sql`case when ${documents.readyVersion} is distinct from ${ref.version} then null else ${documents.summary} end`,
        suggestedTags: sql`case when ${documents.readyVersion} is distinct from ${ref.version} then null else ${documents.suggestedTags} end`,
        updatedAt: new Date(),
      })
      .where(
        and(
          eq(documents.id, ref.documentId),
          sql`(${documents.readyVersion} is null or ${documents.readyVersion} <= ${ref.version})`,
          // A document being deleted is never served again.
          ne(documents.status, 'deleting'),
        ),
      )
      .returning({ id: documents.id, currentVersion: documents.currentVersion });
    await recordEvent(tx, ref, 'ready', 'done', {
      chunks: result.count,
      reused: result.reused,
      embedded: result.embedded,
      slices: result.sliceCount,
    });
    if (updated.length) {
      await shiftServedVersion(tx, {
        tenantId: ref.tenantId,
        documentId: ref.documentId,
        from: served?.readyVersion ?? null,
        to: ref.version,
      });
      await bumpCorpusVersion(tx, ref.tenantId);
    }
    return updated[0] ?? null;
  });
  if (!promoted) return;
  if (promoted.currentVersion === ref.version) {
    // Best effort: the version is ready whatever happens to its enrichment.
    await enqueueEnrichment(ctx, ref, traceparent).catch((error: unknown) =>
      logJson('warn', {
        msg: 'enrich.enqueue_failed',
        tenantId: ref.tenantId,
        documentId: ref.documentId,
        version: ref.version,
        error: error instanceof Error ? error.message.slice(0, 200) : String(error),
      }),
    );
  }
  await retireOlderVersions(ctx, ref);
}

async function retireOlderVersions(ctx: IngestContext, ref: VersionRef) {
  const vectors = createVectorStore(ctx.env, ctx.db);
  for (;;) {
    const stale = await ctx.db
      .select({ id: chunks.id })
      .from(chunks)
      .where(
        and(
          eq(chunks.tenantId, ref.tenantId),
          eq(chunks.documentId, ref.documentId),
          lt(chunks.version, ref.version),
        ),
      )
      .limit(1000);
    if (stale.length === 0) return;
    const ids = stale.map((r) => r.id);
    await vectors.deleteByIds(ref.tenantId, ids);
    await ctx.db
      .delete(chunks)
      .where(and(eq(chunks.tenantId, ref.tenantId), inArray(chunks.id, ids)));
  }
}

export { failVersion };
