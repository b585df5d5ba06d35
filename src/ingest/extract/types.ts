export interface PageRange {
  /** 1-based page number. */
  page: number;
  /** Character range of the page in `Extracted.text`. */
  start: number;
  end: number;
}

/**
 * Text of a document in one uniform shape: headings as Markdown ATX lines (`# Title`), blocks
 * separated by blank lines, records one per line.
 */
export interface Extracted {
  text: string;
  /** Present for paged formats (PDF). */
  pages?: PageRange[];
}
