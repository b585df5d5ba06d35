import type { Env } from '../env';
import type { VersionRow } from './context';
import { extract, ExtractionError } from './extract';
import { PermanentIngestError } from './retry';

/**
 * Where a version's text comes from: its stored file in R2 (whole, streamed, or a byte range
 * of it) and the extractors. A missing object can never appear later, so it fails for good.
 */
const missing = () => new PermanentIngestError('corrupt_file', 'the stored file is missing');

/** The whole stored file, for formats that are parsed whole. */
export async function readStoredFile(
  env: Pick<Env, 'DOCUMENTS'>,
  version: VersionRow,
): Promise<Uint8Array> {
  const object = await env.DOCUMENTS.get(version.r2Key);
  if (!object) throw missing();
  return new Uint8Array(await object.arrayBuffer());
}

/** The stored file as a stream, read once to plan its slices. */
export async function streamStoredFile(
  env: Pick<Env, 'DOCUMENTS'>,
  version: VersionRow,
): Promise<ReadableStream<Uint8Array>> {
  const object = await env.DOCUMENTS.get(version.r2Key);
  if (!object) throw missing();
  return object.body;
}

/**
 * The text of one planned slice. Slices are cut after a line feed, so each decodes on its own;
 * only the first may start with a BOM, which TextDecoder drops as the planner assumed.
 */
export async function readSliceText(
  env: Pick<Env, 'DOCUMENTS'>,
  version: VersionRow,
  slice: { index: number; byteStart: number; byteEnd: number },
): Promise<string> {
  const object = await env.DOCUMENTS.get(version.r2Key, {
    range: { offset: slice.byteStart, length: slice.byteEnd - slice.byteStart },
  });
  if (!object) throw missing();
  return new TextDecoder('utf-8', { ignoreBOM: slice.index > 0, fatal: false }).decode(
    await object.arrayBuffer(),
  );
}

/** Extracts a whole file's text; a file the extractors reject fails for good (no retry). */
export async function extractText(bytes: Uint8Array, mimeType: string, maxWorkingBytes: number) {
  try {
    return await extract(bytes, mimeType, { maxWorkingBytes });
  } catch (error) {
    if (error instanceof ExtractionError)
      throw new PermanentIngestError(error.code, error.message, error.detail);
    throw error;
  }
}
