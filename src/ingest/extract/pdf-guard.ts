import { Unzlib } from 'fflate';
import { LIMITS, limitsExceeded } from './limits';

/**
 * pdf.js does not bound Flate decompression: its DecodeStream doubles its buffer for as long
 * as the data inflates, so a few megabytes of crafted deflate expand to gigabytes inside the
 * isolate. Before pdf.js sees the file, every stream that starts with a zlib header is
 * inflated here, incrementally and without keeping the output, and the file is refused as soon
 * as one non-image stream passes `LIMITS.inflatedBytes` or all of them pass
 * `LIMITS.pdfInflatedBytes`. Image streams only count towards the total: text extraction does
 * not decode them, and real scans can be large. A stream filtered twice by Flate is counted
 * by its inner layer's output. The cost is bounded by the caps, and the scan is one forward
 * pass over the bytes. Returns what it measured (for the memory rule, `checkWorkingBytes`).
 */
export function guardPdfStreams(bytes: Uint8Array): { largestStream: number; total: number } {
  let total = 0;
  let largestStream = 0;
  for (const { start, end, isImage } of flateStreams(bytes)) {
    let own = 0;
    const count = (n: number) => {
      own += n;
      total += n;
      if (!isImage && own > LIMITS.inflatedBytes) {
        throw limitsExceeded(
          'inflatedBytes',
          `A PDF stream inflates beyond ${LIMITS.inflatedBytes} bytes`,
        );
      }
      if (total > LIMITS.pdfInflatedBytes) {
        throw limitsExceeded(
          'pdfInflatedBytes',
          `The PDF's streams inflate beyond ${LIMITS.pdfInflatedBytes} bytes`,
        );
      }
    };
    inflateCounting(bytes.subarray(start, end), count, true);
    largestStream = Math.max(largestStream, own);
  }
  return { largestStream, total };
}

const PIECE = 4096;
const isLimit = (error: unknown) => (error as { code?: string }).code === 'limits_exceeded';

/** Feeds `data` through an inflater in small pieces, reporting output sizes; never throws on bad data. */
function inflateCounting(data: Uint8Array, count: (n: number) => void, followNested: boolean) {
  let nested: ((chunk: Uint8Array, final: boolean) => void) | undefined;
  let first = true;
  const inflater = new Unzlib((chunk, final) => {
    if (first && followNested && isZlibHeader(chunk, 0)) nested = nestedCounter(count);
    first = false;
    if (nested) nested(chunk, final);
    else count(chunk.length);
  });
  try {
    feed(inflater, data, true);
  } catch (error) {
    // Damaged deflate is pdf.js's to judge; only the limits are ours.
    if (isLimit(error)) throw error;
  }
}

/** An inflater for the inner layer of a doubly filtered stream; its output is what counts. */
function nestedCounter(count: (n: number) => void) {
  const inner = new Unzlib((chunk) => count(chunk.length));
  let broken = false;
  return (chunk: Uint8Array, final: boolean) => {
    if (broken) return;
    try {
      feed(inner, chunk, final);
    } catch (error) {
      if (isLimit(error)) throw error;
      broken = true;
    }
  };
}

/** Small pieces: 4 KiB of deflate inflates to at most ~4 MiB, so a cap is crossed by little. */
function feed(inflater: Unzlib, data: Uint8Array, final: boolean) {
  for (let offset = 0; ; offset += PIECE) {
    const end = Math.min(data.length, offset + PIECE);
    inflater.push(data.subarray(offset, end), final && end === data.length);
    if (end >= data.length) return;
  }
}

const isZlibHeader = (b: Uint8Array, at: number) =>
  at + 1 < b.length && (b[at]! & 0x0f) === 8 && ((b[at]! << 8) | b[at + 1]!) % 31 === 0;

const STREAM = [0x73, 0x74, 0x72, 0x65, 0x61, 0x6d]; // "stream"
const ENDSTREAM = new TextEncoder().encode('endstream');
const IMAGE = new TextEncoder().encode('/Image');

/** Data ranges of the streams that begin with a zlib header, in one forward pass. */
function* flateStreams(bytes: Uint8Array) {
  let from = 0;
  let previousEnd = 0;
  for (;;) {
    const keyword = indexOf(bytes, STREAM, from);
    if (keyword === -1) return;
    let start = keyword + STREAM.length;
    if (bytes[start] === 0x0d) start++;
    if (bytes[start] !== 0x0a) {
      from = keyword + 1;
      continue;
    }
    start++;
    const stop = indexOf(bytes, ENDSTREAM, start);
    const end = stop === -1 ? bytes.length : stop;
    if (isZlibHeader(bytes, start)) {
      // The stream's dictionary lies between the previous stream's end and this keyword.
      const dictionaryFrom = Math.max(previousEnd, keyword - 4096);
      const isImage = indexOf(bytes.subarray(dictionaryFrom, keyword), IMAGE, 0) !== -1;
      yield { start, end, isImage };
    }
    previousEnd = end;
    from = stop === -1 ? bytes.length : stop + ENDSTREAM.length;
  }
}

/** First index of `needle` in `haystack` at or after `from`, or -1. */
function indexOf(haystack: Uint8Array, needle: ArrayLike<number>, from: number): number {
  const first = needle[0]!;
  for (let i = haystack.indexOf(first, from); i !== -1; i = haystack.indexOf(first, i + 1)) {
    if (i + needle.length > haystack.length) return -1;
    let k = 1;
    while (k < needle.length && haystack[i + k] === needle[k]) k++;
    if (k === needle.length) return i;
  }
  return -1;
}
