import { ExtractionError } from './errors';

/** Decodes text bytes: BOM first, then a declared charset, then UTF-8, then Windows-1252. */
export function decodeText(bytes: Uint8Array, charset?: string): string {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    return new TextDecoder('utf-8', { fatal: false, ignoreBOM: true }).decode(bytes.subarray(3));
  }
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return decodeWith('utf-16le', bytes.subarray(2));
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return decodeWith('utf-16be', bytes.subarray(2));
  if (charset) {
    try {
      return new TextDecoder(charset, { fatal: false, ignoreBOM: true }).decode(bytes);
    } catch {
      // Unknown label: fall through to sniffing.
    }
  }
  const utf16 = guessUtf16WithoutBom(bytes);
  if (utf16) return decodeWith(utf16, bytes);
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return decodeWindows1252(bytes);
  }
}

function decodeWith(label: string, bytes: Uint8Array): string {
  try {
    return new TextDecoder(label, { fatal: false, ignoreBOM: true }).decode(bytes);
  } catch (cause) {
    throw new ExtractionError('corrupt_file', `Could not decode ${label} text`, { cause });
  }
}

/** ASCII-heavy UTF-16 without a BOM shows zero bytes at every other position. */
export function guessUtf16WithoutBom(bytes: Uint8Array): 'utf-16le' | 'utf-16be' | undefined {
  const sample = Math.min(bytes.length, 4096) & ~1;
  if (sample < 4) return undefined;
  let evenZeros = 0;
  let oddZeros = 0;
  for (let i = 0; i < sample; i += 2) {
    if (bytes[i] === 0) evenZeros++;
    if (bytes[i + 1] === 0) oddZeros++;
  }
  const pairs = sample / 2;
  if (oddZeros > pairs * 0.4 && evenZeros < pairs * 0.05) return 'utf-16le';
  if (evenZeros > pairs * 0.4 && oddZeros < pairs * 0.05) return 'utf-16be';
  return undefined;
}

// Windows-1252 differs from Latin-1 only in 0x80-0x9F.
const CP1252_HIGH =
  '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f' +
  '\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178';

function decodeWindows1252(bytes: Uint8Array): string {
  const parts: string[] = [];
  const block = 8192;
  for (let offset = 0; offset < bytes.length; offset += block) {
    const end = Math.min(bytes.length, offset + block);
    const codes = new Array<number>(end - offset);
    for (let i = offset; i < end; i++) {
      const b = bytes[i]!;
      codes[i - offset] = b >= 0x80 && b <= 0x9f ? CP1252_HIGH.charCodeAt(b - 0x80) : b;
    }
    parts.push(String.fromCharCode(...codes));
  }
  return parts.join('');
}

/** Line endings to \n, NUL and other C0 controls (except tab/newline/form feed) removed. */
export function normaliseText(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\r\n?/g, '\n').replace(/[\u0000-\u0008\u000b\u000e-\u001f\u007f]/g, '');
}
