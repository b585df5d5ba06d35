/**
 * Stable failure codes of text extraction:
 * - `encrypted_pdf`: the PDF needs a password to read.
 * - `corrupt_file`: truncated or malformed bytes for the format.
 * - `unsupported_type`: a format extraction does not handle (or an unrecognised binary).
 * - `no_text`: the file parsed but holds no text (blank, or a scanned PDF without a text layer).
 * - `type_mismatch`: the declared type contradicts the bytes (a PDF declared as text/plain, a
 *   "PDF" that is not one, binary bytes declared as text).
 * - `limits_exceeded`: the file crossed one of the hard caps in `limits.ts` (inflated bytes,
 *   zip entries, elements, CSV fields or rows, JSON depth, size or values) or declares an XML
 *   DTD; `detail.limit` names the cap.
 */
export type ExtractionErrorCode =
  | 'encrypted_pdf'
  | 'corrupt_file'
  | 'unsupported_type'
  | 'no_text'
  | 'type_mismatch'
  | 'limits_exceeded';

export class ExtractionError extends Error {
  override readonly name = 'ExtractionError';
  /** Machine-readable specifics (for `limits_exceeded`: `{ limit, max }`), recorded with the failure. */
  readonly detail?: Record<string, unknown>;

  constructor(
    readonly code: ExtractionErrorCode,
    message: string,
    options?: { cause?: unknown; detail?: Record<string, unknown> },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    if (options?.detail) this.detail = options.detail;
  }
}
