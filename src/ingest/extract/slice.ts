import { normaliseText } from './decode';

export interface TextSlice {
  /** Decoded text of the consumed bytes (line endings normalised to \n). */
  text: string;
  /** Bytes used from the start of the slice; the next slice starts this many bytes further on. */
  bytesConsumed: number;
}

/**
 * Decodes one slice of a large UTF-8 text file read in pieces. Unless it is the last slice, it
 * stops at the last paragraph break (blank line) in the slice, else the last line break, else
 * the last space, else the last complete UTF-8 sequence, so no character or (if possible) no
 * line is split between slices. A UTF-8 BOM at the start of the first slice is skipped.
 */
export function decodeTextSlice(
  bytes: Uint8Array,
  { isFirst, isLast }: { isFirst: boolean; isLast: boolean },
): TextSlice {
  const bom = isFirst && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  const end = isLast ? bytes.length : safeCut(bytes, bom);
  const text = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true }).decode(
    bytes.subarray(bom, end),
  );
  return { text: normaliseText(text), bytesConsumed: end };
}

function safeCut(bytes: Uint8Array, from: number): number {
  // Only look for a break in the second half, so a slice never shrinks to a sliver.
  const floor = Math.max(from, bytes.length >> 1);
  const paragraph = lastParagraphBreak(bytes, floor);
  if (paragraph !== -1) return paragraph;
  const line = bytes.lastIndexOf(0x0a);
  if (line >= floor) return line + 1;
  const space = bytes.lastIndexOf(0x20);
  if (space >= floor) return space + 1;
  return utf8Boundary(bytes, from);
}

/** End of the last "\n\n" (or "\n\r\n") at or after `floor`, or -1. */
function lastParagraphBreak(bytes: Uint8Array, floor: number): number {
  for (let i = bytes.lastIndexOf(0x0a); i > floor; i = bytes.lastIndexOf(0x0a, i - 1)) {
    if (bytes[i - 1] === 0x0a) return i + 1;
    if (bytes[i - 1] === 0x0d && bytes[i - 2] === 0x0a) return i + 1;
  }
  return -1;
}

/** Largest cut point that does not split a UTF-8 sequence. */
function utf8Boundary(bytes: Uint8Array, from: number): number {
  let i = bytes.length;
  // Step back over up to 3 continuation bytes to the lead byte of the last sequence.
  let back = 0;
  while (back < 4 && i - back - 1 >= from && (bytes[i - back - 1]! & 0xc0) === 0x80) back++;
  const leadIndex = i - back - 1;
  if (leadIndex < from) return i;
  const lead = bytes[leadIndex]!;
  const length = lead < 0x80 ? 1 : lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return back + 1 >= length ? i : leadIndex;
}
