import { guessUtf16WithoutBom } from './decode';
import { ExtractionError } from './errors';

export const MIME = {
  text: 'text/plain',
  markdown: 'text/markdown',
  html: 'text/html',
  csv: 'text/csv',
  json: 'application/json',
  pdf: 'application/pdf',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
} as const;

export type SupportedMime = (typeof MIME)[keyof typeof MIME];

/** What the bytes look like, independent of what the uploader claimed. */
export type SniffedKind = 'pdf' | 'docx' | 'zip' | 'text' | 'binary' | 'empty';

const TEXT_TYPES: ReadonlySet<string> = new Set([
  MIME.text,
  MIME.markdown,
  MIME.html,
  MIME.csv,
  MIME.json,
]);

const ALIASES: Record<string, SupportedMime> = {
  'text/x-markdown': MIME.markdown,
  'application/x-pdf': MIME.pdf,
  'text/json': MIME.json,
  'application/x-ndjson': MIME.json,
  'application/jsonl': MIME.json,
  'application/xhtml+xml': MIME.html,
};

export function sniff(bytes: Uint8Array): SniffedKind {
  if (bytes.length === 0) return 'empty';
  if (indexOfAscii(bytes, '%PDF-', 0, 1024) !== -1) return 'pdf';
  if (startsWith(bytes, [0x50, 0x4b, 0x03, 0x04]) || startsWith(bytes, [0x50, 0x4b, 0x05, 0x06])) {
    return indexOfAscii(bytes, 'word/document.xml') !== -1 ? 'docx' : 'zip';
  }
  return looksLikeText(bytes) ? 'text' : 'binary';
}

/** The text subtype content suggests, for uploads declared only as octet-stream. */
export function sniffTextType(text: string): SupportedMime {
  const head = text.slice(0, 1024).trimStart().toLowerCase();
  if (head.startsWith('{') || head.startsWith('[')) return MIME.json;
  if (/^(<!doctype html|<html|<head|<body|<!--|<meta|<div|<p[\s>])/.test(head)) return MIME.html;
  return MIME.text;
}

export interface ResolvedType {
  mime: SupportedMime;
  /** `charset` parameter of the declared type, if any. */
  charset?: string;
}

/**
 * Reconciles the declared type with the bytes. Throws `type_mismatch` when they contradict
 * each other and `unsupported_type` for formats extraction does not handle.
 */
export function resolveType(bytes: Uint8Array, declaredMime: string): ResolvedType {
  const [rawBase, ...params] = (declaredMime ?? '').split(';');
  const base = (rawBase ?? '').trim().toLowerCase();
  const declared = ALIASES[base] ?? base;
  const charset = params
    .map((p) => p.trim().match(/^charset\s*=\s*"?([^";]+)"?$/i)?.[1])
    .find((c) => c !== undefined);
  const kind = sniff(bytes);
  const withCharset = (mime: SupportedMime): ResolvedType =>
    charset ? { mime, charset } : { mime };

  if (declared === MIME.pdf) {
    if (kind !== 'pdf') throw mismatch(declared, kind);
    return { mime: MIME.pdf };
  }
  if (declared === MIME.docx) {
    if (kind !== 'docx') throw mismatch(declared, kind);
    return { mime: MIME.docx };
  }
  if (TEXT_TYPES.has(declared)) {
    if (kind !== 'text' && kind !== 'empty') throw mismatch(declared, kind);
    return withCharset(declared as SupportedMime);
  }
  if (
    declared === '' ||
    declared === 'application/octet-stream' ||
    declared === 'binary/octet-stream'
  ) {
    if (kind === 'pdf') return { mime: MIME.pdf };
    if (kind === 'docx') return { mime: MIME.docx };
    if (kind === 'empty') return withCharset(MIME.text);
    if (kind === 'text') {
      return withCharset(sniffTextType(new TextDecoder().decode(bytes.subarray(0, 1024))));
    }
  }
  throw new ExtractionError(
    'unsupported_type',
    `Cannot extract text from ${declared || 'an untyped file'}${kind === 'zip' ? ' (zip archive)' : ''}`,
  );
}

function mismatch(declared: string, kind: SniffedKind): ExtractionError {
  const actual =
    kind === 'pdf'
      ? 'a PDF'
      : kind === 'docx'
        ? 'a Word document'
        : kind === 'zip'
          ? 'a zip archive'
          : kind === 'empty'
            ? 'empty'
            : kind === 'text'
              ? 'plain text'
              : 'binary data';
  return new ExtractionError('type_mismatch', `Declared ${declared} but the content is ${actual}`);
}

/** Text if the head has (almost) no NULs (UTF-16 aside) and few control bytes. */
function looksLikeText(bytes: Uint8Array): boolean {
  if (
    startsWith(bytes, [0xef, 0xbb, 0xbf]) ||
    startsWith(bytes, [0xff, 0xfe]) ||
    startsWith(bytes, [0xfe, 0xff])
  ) {
    return true;
  }
  if (guessUtf16WithoutBom(bytes)) return true;
  const sample = Math.min(bytes.length, 8192);
  let suspicious = 0;
  let nulls = 0;
  for (let i = 0; i < sample; i++) {
    const b = bytes[i]!;
    // A stray NUL happens in text; binary formats are full of them.
    if (b === 0) {
      if (++nulls > Math.max(1, sample / 1000)) return false;
      continue;
    }
    // C0 controls other than \t \n \f \r and ESC (ANSI colours) are rare in real text.
    if (b < 32 && b !== 9 && b !== 10 && b !== 12 && b !== 13 && b !== 27) suspicious++;
  }
  if (suspicious > Math.max(2, sample * 0.02)) return false;
  return !hasManyInvalidUtf8(bytes.subarray(0, sample));
}

/** Invalid UTF-8 is fine (Latin-1 text) unless most high bytes fail to form sequences. */
function hasManyInvalidUtf8(bytes: Uint8Array): boolean {
  let high = 0;
  let invalid = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b < 0x80) continue;
    high++;
    const length = b >= 0xf0 && b <= 0xf4 ? 4 : b >= 0xe0 ? 3 : b >= 0xc2 && b < 0xe0 ? 2 : 0;
    if (length === 0 || i + length > bytes.length) {
      if (i + length <= bytes.length || length === 0) invalid++;
      continue;
    }
    let ok = true;
    for (let k = 1; k < length; k++) if ((bytes[i + k]! & 0xc0) !== 0x80) ok = false;
    if (ok) i += length - 1;
    else invalid++;
  }
  // Latin-1 prose has sparse high bytes; random binary is about half high bytes.
  return high > bytes.length * 0.3 && invalid > high * 0.5;
}

function startsWith(bytes: Uint8Array, prefix: number[]): boolean {
  return prefix.every((b, i) => bytes[i] === b);
}

export function indexOfAscii(
  bytes: Uint8Array,
  needle: string,
  from = 0,
  to = bytes.length,
): number {
  const first = needle.charCodeAt(0);
  const last = Math.min(to, bytes.length) - needle.length;
  for (let i = bytes.indexOf(first, from); i !== -1 && i <= last; i = bytes.indexOf(first, i + 1)) {
    let k = 1;
    while (k < needle.length && bytes[i + k] === needle.charCodeAt(k)) k++;
    if (k === needle.length) return i;
  }
  return -1;
}

export function lastIndexOfAscii(
  bytes: Uint8Array,
  needle: string,
  from = bytes.length - needle.length,
): number {
  const first = needle.charCodeAt(0);
  for (
    let i = bytes.lastIndexOf(first, from);
    i !== -1;
    i = i > 0 ? bytes.lastIndexOf(first, i - 1) : -1
  ) {
    let k = 1;
    while (k < needle.length && bytes[i + k] === needle.charCodeAt(k)) k++;
    if (k === needle.length) return i;
  }
  return -1;
}
