import { extractCsv } from './csv';
import { MIME, resolveType } from './detect';
import { extractDocx } from './docx';
import { ExtractionError } from './errors';
import { extractHtml } from './html';
import { extractJson } from './json';
import { extractMarkdown } from './markdown';
import { extractPdf } from './pdf';
import { extractPlain } from './plain';
import type { Extracted } from './types';

export { ExtractionError, type ExtractionErrorCode } from './errors';
export type { Extracted, PageRange } from './types';
export { MIME, resolveType, sniff, type SniffedKind, type SupportedMime } from './detect';
export { decodeTextSlice, type TextSlice } from './slice';

export interface ExtractOptions {
  /** The memory rule's ceiling (`checkWorkingBytes`); default `LIMITS.workingBytes`. */
  maxWorkingBytes?: number;
}

/**
 * Text of a document from its bytes and declared MIME type (parameters such as charset
 * allowed). Every failure is an `ExtractionError` with a stable code.
 */
export async function extract(
  bytes: Uint8Array,
  declaredMime: string,
  options: ExtractOptions = {},
): Promise<Extracted> {
  try {
    const { mime, charset } = resolveType(bytes, declaredMime);
    const extracted = await extractAs(mime, bytes, charset, options.maxWorkingBytes);
    if (!/\S/.test(extracted.text)) {
      throw new ExtractionError('no_text', 'The document contains no text');
    }
    return extracted;
  } catch (error) {
    if (error instanceof ExtractionError) throw error;
    throw new ExtractionError('corrupt_file', 'The file could not be read', { cause: error });
  }
}

function extractAs(
  mime: string,
  bytes: Uint8Array,
  charset?: string,
  maxWorkingBytes?: number,
): Extracted | Promise<Extracted> {
  switch (mime) {
    case MIME.pdf:
      return extractPdf(bytes, maxWorkingBytes);
    case MIME.docx:
      return extractDocx(bytes, maxWorkingBytes);
    case MIME.html:
      return extractHtml(bytes, charset);
    case MIME.markdown:
      return extractMarkdown(bytes, charset);
    case MIME.csv:
      return extractCsv(bytes, charset);
    case MIME.json:
      return extractJson(bytes, charset);
    default:
      return extractPlain(bytes, charset);
  }
}
