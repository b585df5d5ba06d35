import { decodeText, normaliseText } from './decode';
import { ExtractionError } from './errors';
import { LIMITS, limitsExceeded } from './limits';
import type { Extracted } from './types';

/** One line per record: `header: value; header: value`, empty cells left out. */
export function extractCsv(bytes: Uint8Array, charset?: string): Extracted {
  const text = normaliseText(decodeText(bytes, charset));
  // Line breaks bound the rows from above: a row flood is refused before any row is built.
  if (countLineBreaks(text) > LIMITS.csvRows) {
    throw limitsExceeded('csvRows', `The CSV has more than ${LIMITS.csvRows} lines`);
  }
  const rows = parseCsv(text, sniffDelimiter(text));
  const header = rows.shift() ?? [];
  const names = header.map((h, i) => h.trim() || `column ${i + 1}`);
  const lines: string[] = [];
  for (const row of rows) {
    const fields: string[] = [];
    row.forEach((value, i) => {
      const v = value.replace(/\s+/g, ' ').trim();
      if (v) fields.push(`${names[i] ?? `column ${i + 1}`}: ${v}`);
    });
    if (fields.length) lines.push(fields.join('; '));
  }
  // A header-only file still says something.
  if (!lines.length) return { text: names.join('; ') };
  return { text: lines.join('\n') };
}

function countLineBreaks(text: string): number {
  let count = 0;
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) count++;
  return count;
}

function sniffDelimiter(text: string): string {
  const firstLine = text.slice(0, Math.max(0, text.indexOf('\n')) || text.length);
  let best = ',';
  let bestCount = 0;
  for (const candidate of [',', ';', '\t', '|']) {
    const count = firstLine.split(candidate).length - 1;
    if (count > bestCount) [best, bestCount] = [candidate, count];
  }
  return best;
}

/**
 * RFC 4180: quotes are special only at the start of a field; "" escapes a quote. Rows and
 * fields per row are capped (a file of commas would otherwise become one array of tens of
 * millions of strings).
 */
export function parseCsv(text: string, delimiter = ','): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let i = 0;
  const n = text.length;
  while (i <= n) {
    let value: string;
    if (text[i] === '"') {
      let end = i + 1;
      let out = '';
      for (;;) {
        const quote = text.indexOf('"', end);
        if (quote === -1) {
          throw new ExtractionError('corrupt_file', 'CSV has an unterminated quoted field');
        }
        out += text.slice(end, quote);
        if (text[quote + 1] === '"') {
          out += '"';
          end = quote + 2;
        } else {
          end = quote + 1;
          break;
        }
      }
      // Anything between the closing quote and the delimiter is kept as written.
      let stop = end;
      while (stop < n && text[stop] !== delimiter && text[stop] !== '\n') stop++;
      value = out + text.slice(end, stop);
      i = stop;
    } else {
      let stop = i;
      while (stop < n && text[stop] !== delimiter && text[stop] !== '\n') stop++;
      value = text.slice(i, stop);
      i = stop;
    }
    if (row.push(value) > LIMITS.csvFieldsPerRow) {
      throw limitsExceeded(
        'csvFieldsPerRow',
        `A CSV row has more than ${LIMITS.csvFieldsPerRow} fields`,
      );
    }
    if (i >= n || text[i] === '\n') {
      if ((row.length > 1 || row[0]!.trim()) && rows.push(row) > LIMITS.csvRows) {
        throw limitsExceeded('csvRows', `The CSV has more than ${LIMITS.csvRows} rows`);
      }
      row = [];
      if (i >= n) break;
    }
    i++;
  }
  return rows;
}
