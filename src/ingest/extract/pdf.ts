import { extractText, getDocumentProxy } from 'unpdf';
import { lastIndexOfAscii } from './detect';
import { normaliseText } from './decode';
import { ExtractionError } from './errors';
import type { Extracted, PageRange } from './types';

const PAGE_SEPARATOR = '\n\n';

/**
 * Per-page text through pdf.js (unpdf's serverless build, which runs inside workerd). Pages are
 * joined by a blank line and `pages` records each page's character range. PDFs encrypted with
 * an empty user password (permission-only protection) are readable and extracted as usual.
 */
export async function extractPdf(bytes: Uint8Array): Promise<Extracted> {
  let texts: string[];
  try {
    // pdf.js may take ownership of (detach) the buffer it is given: hand it a copy.
    const document = await getDocumentProxy(bytes.slice(), {
      verbosity: 0,
    });
    try {
      texts = (await extractText(document, { mergePages: false })).text;
    } finally {
      await document.loadingTask.destroy().catch(() => undefined);
    }
  } catch (cause) {
    throw toExtractionError(cause, bytes);
  }

  let text = '';
  const pages: PageRange[] = [];
  texts.forEach((raw, index) => {
    const pageText = normaliseText(raw).trim();
    if (index > 0) text += PAGE_SEPARATOR;
    pages.push({ page: index + 1, start: text.length, end: text.length + pageText.length });
    text += pageText;
  });
  return { text, pages };
}

function toExtractionError(cause: unknown, bytes: Uint8Array): ExtractionError {
  if (cause instanceof ExtractionError) return cause;
  const name = (cause as { name?: string } | undefined)?.name;
  if (name === 'PasswordException' || hasEncryptDictionary(bytes)) {
    return new ExtractionError('encrypted_pdf', 'The PDF is password protected', { cause });
  }
  return new ExtractionError('corrupt_file', 'The PDF could not be parsed', { cause });
}

/** `/Encrypt` in a trailer (or cross-reference stream dictionary) near the end of the file. */
export function hasEncryptDictionary(bytes: Uint8Array): boolean {
  const from = Math.max(0, bytes.length - 64 * 1024);
  return lastIndexOfAscii(bytes.subarray(from), '/Encrypt') !== -1;
}
