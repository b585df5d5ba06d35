import { getDocumentProxy } from 'unpdf';
import { lastIndexOfAscii } from './detect';
import { normaliseText } from './decode';
import { ExtractionError } from './errors';
import { checkWorkingBytes, LIMITS } from './limits';
import { guardPdfStreams } from './pdf-guard';
import type { Extracted, PageRange } from './types';

const PAGE_SEPARATOR = '\n\n';

/**
 * Per-page text through pdf.js (unpdf's serverless build, which runs inside workerd). Pages are
 * joined by a blank line and `pages` records each page's character range. PDFs encrypted with
 * an empty user password (permission-only protection) are readable and extracted as usual.
 */
export async function extractPdf(
  bytes: Uint8Array,
  maxWorkingBytes: number = LIMITS.workingBytes,
): Promise<Extracted> {
  const { largestStream } = guardPdfStreams(bytes);
  // pdf.js holds the file and decodes one stream at a time: the memory rule counts the largest.
  checkWorkingBytes(bytes.length, largestStream, maxWorkingBytes);
  let texts: string[];
  try {
    // pdf.js may take ownership of (detach) the buffer it is given: hand it a copy.
    const document = await getDocumentProxy(bytes.slice(), {
      verbosity: 0,
    });
    try {
      texts = await pageTexts(document);
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

type PdfDocument = Awaited<ReturnType<typeof getDocumentProxy>>;

/**
 * Text of each page, one page at a time: loading every page at once (as `extractText` does)
 * holds all their parsed content together and grows memory with the page count.
 */
async function pageTexts(document: PdfDocument): Promise<string[]> {
  const texts: string[] = [];
  for (let number = 1; number <= document.numPages; number++) {
    const page = await document.getPage(number);
    const content = await page.getTextContent();
    let text = '';
    for (const item of content.items) {
      if (!('str' in item)) continue;
      text += item.hasEOL ? `${item.str}\n` : item.str;
    }
    texts.push(text);
    page.cleanup();
  }
  return texts;
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
