import { ExtractionError } from './errors';

/**
 * Hard caps on the work one file may cause. Each is far above what a real document of the
 * format needs and far below what would exhaust a 128 MB isolate or its CPU budget; crossing
 * one fails the document (`limits_exceeded`, with `limit` naming the cap), never the invocation.
 */
export const LIMITS = {
  /**
   * Bytes one whole-file parse may hold: the stored file plus what it inflates (the memory rule
   * of `checkWorkingBytes`). Stored bytes alone are a lie for compressed formats: a 34 KB zip
   * can declare 32 MiB of XML.
   */
  workingBytes: 48 * 1024 * 1024,
  /** Bytes inflated from a DOCX (all read entries together) or from one PDF Flate stream. */
  inflatedBytes: 32 * 1024 * 1024,
  /** Bytes inflated from all Flate streams of one PDF together. */
  pdfInflatedBytes: 128 * 1024 * 1024,
  /** Entries in a DOCX zip's central directory (real documents have tens to hundreds). */
  zipEntries: 10_000,
  /** Elements (start or empty tags) in one DOCX XML part. */
  elements: 2_000_000,
  /**
   * Elements and text nodes of one HTML page that reach our handlers: each is a call from the
   * platform parser into JavaScript, by far the dominant cost of HTML extraction.
   */
  htmlEvents: 1_000_000,
  /** Fields in one CSV row. */
  csvFieldsPerRow: 10_000,
  /** Records in one CSV file. */
  csvRows: 2_000_000,
  /** Nesting depth of arrays and objects in JSON. */
  jsonDepth: 64,
  /** Size of a JSON file: parsing builds an object graph several times the size of the text. */
  jsonBytes: 16 * 1024 * 1024,
  /** Values (scalars, arrays, objects) in one JSON file. */
  jsonValues: 2_000_000,
} as const;

/**
 * Caps with no number of ours: `xml_dtd` (no DTD is allowed at all) and `htmlParserMemory`
 * (the platform HTML parser's own memory limit, hit by very deep nesting or huge tags).
 */
export type LimitName = keyof typeof LIMITS | 'xml_dtd' | 'htmlParserMemory';

/**
 * The memory rule for a whole-file parse: it holds the stored bytes plus the inflated ones, and
 * together they must stay within `max` (default `LIMITS.workingBytes`, `INGEST_MAX_WORKING_BYTES`).
 * Inflated bytes are known before anything inflates:
 * - zip-based formats (DOCX): the uncompressed sizes the central directory declares for the
 *   entries that are read (`declaredBytes`); `inflateEntry` never produces more than declared;
 * - PDF: the largest stream pdf.js will decode, as measured by the Flate guard
 *   (`guardPdfStreams`), which has already inflated each one without keeping the output;
 * - every other format: nothing (the text is the stored bytes).
 */
export function checkWorkingBytes(stored: number, inflated: number, max: number): void {
  if (stored + inflated <= max) return;
  throw new ExtractionError(
    'limits_exceeded',
    `The file holds ${stored} bytes and inflates ${inflated} more; at most ${max} are parsed at once`,
    { detail: { limit: 'workingBytes', max, stored, inflated } },
  );
}

/** The `limits_exceeded` failure for `limit`, carrying which cap was crossed. */
export function limitsExceeded(limit: LimitName, message: string): ExtractionError {
  const max = limit === 'xml_dtd' ? 0 : limit === 'htmlParserMemory' ? null : LIMITS[limit];
  return new ExtractionError('limits_exceeded', message, { detail: { limit, max } });
}
