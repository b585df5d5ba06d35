import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import { documentVersions, ingestSlices } from '../db/schema';
import type { IngestContext, VersionRow } from './context';
import { planSlices } from './slices';
import { streamStoredFile } from './source';
import { recordEvent, setProgress, versionWhere, type VersionRef } from './status';

/**
 * Slice planning: a huge text file is cut into slices (slices.ts), one `ingest_slices` row and
 * one queue message each; the slice that finishes last completes the version (pipeline.ts).
 */

/** The `ingest_slices` rows of `ref` (one of them, given `index`), scoped to its tenant. */
const sliceWhere = (ref: VersionRef, index?: number) =>
  and(
    eq(ingestSlices.tenantId, ref.tenantId),
    eq(ingestSlices.documentId, ref.documentId),
    eq(ingestSlices.version, ref.version),
    index === undefined ? undefined : eq(ingestSlices.sliceIndex, index),
  );

/** Plans the slices of a version, records them, and queues one message per slice. */
export async function planAndEnqueueSlices(
  ctx: IngestContext,
  ref: VersionRef,
  version: VersionRow,
  sliceBytes: number,
  traceparent?: string,
) {
  const body = await streamStoredFile(ctx.env, version);
  await setProgress(ctx.db, ref, { stage: 'plan' });
  const plans = await planSlices(body, sliceBytes);
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

/** One planned slice, or undefined when it was never planned (or is gone with its document). */
export async function loadSlice(db: Database, ref: VersionRef, index: number) {
  const [slice] = await db.select().from(ingestSlices).where(sliceWhere(ref, index));
  return slice;
}

/** Records a slice as indexed; a duplicate delivery that finished second changes nothing. */
export async function markSliceDone(
  db: Database,
  ref: VersionRef,
  index: number,
  result: { count: number; reused: number; embedded: number },
) {
  await db
    .update(ingestSlices)
    .set({
      doneAt: new Date(),
      chunkCount: result.count,
      chunksReused: result.reused,
      chunksEmbedded: result.embedded,
    })
    .where(and(sliceWhere(ref, index), isNull(ingestSlices.doneAt)));
}

/** How many of the version's slices are done, and the chunk counts they add up to. */
export async function sliceTotals(db: Database, ref: VersionRef) {
  const [totals] = await db
    .select({
      total: sql<number>`count(*)::int`,
      done: sql<number>`count(${ingestSlices.doneAt})::int`,
      count: sql<number>`coalesce(sum(${ingestSlices.chunkCount}), 0)::int`,
      reused: sql<number>`coalesce(sum(${ingestSlices.chunksReused}), 0)::int`,
      embedded: sql<number>`coalesce(sum(${ingestSlices.chunksEmbedded}), 0)::int`,
    })
    .from(ingestSlices)
    .where(sliceWhere(ref));
  return totals!;
}
