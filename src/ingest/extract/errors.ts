/**
 * Stable failure codes of text extraction:
 * - `encrypted_pdf`: the PDF needs a password to read.
 * - `corrupt_file`: truncated or malformed bytes for the format.
 * - `unsupported_type`: a format extraction does not handle (or an unrecognised binary).
 * - `no_text`: the file parsed but holds no text (blank, or a scanned PDF without a text layer).
 * - `type_mismatch`: the declared type contradicts the bytes (a PDF declared as text/plain, a
 *   "PDF" that is not one, binary bytes declared as text).
 */
export type ExtractionErrorCode =
  'encrypted_pdf' | 'corrupt_file' | 'unsupported_type' | 'no_text' | 'type_mismatch';

export class ExtractionError extends Error {
  override readonly name = 'ExtractionError';

  constructor(
    readonly code: ExtractionErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
