/** Documents above this size are ingested as several slice messages. */
export const SLICE_BYTES = 8 * 1024 * 1024;
/** Types whose raw UTF-8 bytes are their extracted text, so they split at any line break. */
export const SLICEABLE_TYPES = new Set(['text/plain', 'text/markdown']);
/** Ordinals of slice n start at n * ORDINAL_STRIDE, keeping chunk order across slices. */
export const ORDINAL_STRIDE = 100_000;

/** How far past a boundary to look for a line feed before cutting mid-line. */
const HARD_CUT_SLACK = 64 * 1024;

export interface SlicePlan {
  index: number;
  byteStart: number;
  byteEnd: number;
  /** UTF-16 offset of the slice's first character in the whole decoded text. */
  charStart: number;
}

/**
 * Streams the bytes once and cuts after the first line feed at or past every `sliceBytes`
 * boundary (a 0x0A byte never sits inside a UTF-8 sequence), counting UTF-16 code units on
 * the way so each slice knows its character offset. A leading BOM is not counted, as
 * TextDecoder drops it. Memory stays at one stream chunk.
 */
export async function planSlices(
  body: ReadableStream<Uint8Array>,
  sliceBytes = SLICE_BYTES,
): Promise<SlicePlan[]> {
  const plans: SlicePlan[] = [];
  let offset = 0;
  let chars = 0;
  let sliceStart = 0;
  let sliceCharStart = 0;
  let nextTarget = sliceBytes;
  let bomBytesLeft = 0;
  let first = true;
  /** Ends the current slice at byte `end`; the next starts there, at the current char count. */
  const cutAt = (end: number) => {
    plans.push({
      index: plans.length,
      byteStart: sliceStart,
      byteEnd: end,
      charStart: sliceCharStart,
    });
    sliceStart = end;
    sliceCharStart = chars;
    nextTarget = end + sliceBytes;
  };
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    let i = 0;
    if (first) {
      first = false;
      if (value[0] === 0xef && value[1] === 0xbb && value[2] === 0xbf) bomBytesLeft = 3;
    }
    for (; i < value.length; i++) {
      const byte = value[i]!;
      // No line feed for a long stretch: cut before a UTF-8 lead byte instead.
      if (
        offset + i >= nextTarget + HARD_CUT_SLACK &&
        (byte & 0xc0) !== 0x80 &&
        offset + i > sliceStart
      ) {
        cutAt(offset + i);
      }
      if (bomBytesLeft > 0) {
        bomBytesLeft--;
      } else if ((byte & 0xc0) !== 0x80) {
        chars += byte >= 0xf0 ? 2 : 1;
      }
      if (byte === 0x0a && offset + i + 1 >= nextTarget) {
        cutAt(offset + i + 1);
      }
    }
    offset += value.length;
  }
  if (offset > sliceStart || plans.length === 0) cutAt(offset);
  return plans;
}
