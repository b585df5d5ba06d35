import type { Env, IngestMessage } from '../env';
import { stageDone, type IngestContext, type VersionRow } from './context';
import { LIMITS } from './extract/limits';
import { DocumentDeletedError, indexText } from './index-text';
import { loadSlice, markSliceDone, planAndEnqueueSlices, sliceTotals } from './plan';
import { promoteVersion } from './promote';
import { PermanentIngestError } from './retry';
import { ORDINAL_STRIDE, SLICE_BYTES, SLICEABLE_TYPES } from './slices';
import { extractText, readSliceText, readStoredFile } from './source';
import {
  loadVersion,
  markProcessing,
  markSuperseded,
  recordEvent,
  setProgress,
  type VersionRef,
} from './status';

/**
 * The ingest pipeline, step by step: a version is either indexed whole (extract, index,
 * promote) or planned into slices (plan.ts), each indexed by its own message, the last one
 * promoting the version. Each step lives in its own module; this one only orders them.
 */

/**
 * Formats that cannot be split are parsed whole; beyond this they fail instead of exhausting
 * memory. This checks the stored bytes before loading; the extractors then hold stored plus
 * inflated bytes to the same ceiling (`checkWorkingBytes`, `INGEST_MAX_WORKING_BYTES`).
 */
export const MAX_WHOLE_FILE_BYTES = LIMITS.workingBytes;

type Outcome = 'done' | 'skipped' | 'planned';

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
    await markSuperseded(ctx.db, ref, row.currentVersion);
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
  await processWhole(ctx, ref, version, message.traceparent);
  return 'done';
}

/** Extracts, indexes and promotes a version in one message. */
async function processWhole(
  ctx: IngestContext,
  ref: VersionRef,
  version: VersionRow,
  traceparent?: string,
) {
  const maxWorkingBytes = maxWorkingBytesOf(ctx.env);
  if (version.byteSize > maxWorkingBytes) {
    throw new PermanentIngestError(
      'file_too_large_to_process',
      `${version.mimeType} files are parsed whole and are limited to ${maxWorkingBytes} bytes`,
    );
  }
  const bytes = await readStoredFile(ctx.env, version);
  await setProgress(ctx.db, ref, { stage: 'extract' });
  const started = Date.now();
  const extracted = await extractText(bytes, version.mimeType, maxWorkingBytes);
  await recordEvent(ctx.db, ref, 'extract', 'done', {
    chars: extracted.text.length,
    ms: stageDone(ctx, ref, 'extract', Date.now() - started),
  });
  const result = await indexText(ctx, ref, extracted.text, {
    pages: extracted.pages,
    ordinalBase: 0,
    charBase: 0,
  });
  await promoteVersion(ctx, ref, { ...result, sliceCount: 1 }, traceparent);
}

const maxWorkingBytesOf = (env: Env) =>
  Number(env.INGEST_MAX_WORKING_BYTES) || MAX_WHOLE_FILE_BYTES;

/** Indexes one planned slice (once); the message that sees every slice done promotes. */
async function processSlice(
  ctx: IngestContext,
  ref: VersionRef,
  version: VersionRow,
  index: number,
  traceparent?: string,
): Promise<Outcome> {
  const slice = await loadSlice(ctx.db, ref, index);
  if (!slice) return 'skipped';
  if (!slice.doneAt) {
    const text = await readSliceText(ctx.env, version, { ...slice, index });
    const result = await indexText(ctx, ref, text, {
      ordinalBase: index * ORDINAL_STRIDE,
      charBase: slice.charStart,
    });
    await markSliceDone(ctx.db, ref, index, result);
  }
  const totals = await sliceTotals(ctx.db, ref);
  await setProgress(
    ctx.db,
    ref,
    { stage: `slices ${totals.done}/${totals.total}` },
    { whileUnready: true },
  );
  if (totals.done < totals.total) return 'done';
  await promoteVersion(ctx, ref, { ...totals, sliceCount: totals.total }, traceparent);
  return 'done';
}
