import { describe, expect, it } from 'vitest';
import { decodeTextSlice } from './slice';

const utf8 = (text: string) => new TextEncoder().encode(text);

/** Reads `bytes` the way the consumer does: fixed-size windows, resuming where the last stopped. */
function readInSlices(bytes: Uint8Array, size: number) {
  const texts: string[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const end = Math.min(bytes.length, offset + size);
    const slice = decodeTextSlice(bytes.subarray(offset, end), {
      isFirst: offset === 0,
      isLast: end === bytes.length,
    });
    expect(slice.bytesConsumed).toBeGreaterThan(0);
    texts.push(slice.text);
    offset += slice.bytesConsumed;
  }
  return texts;
}

describe('decodeTextSlice', () => {
  it('reassembles the exact text for any slice size, never splitting characters', () => {
    const text =
      'Ünïcödé façade 東京 😀 line\n'.repeat(40) + 'para end.\n\nNext paragraph 😀😀 tail';
    const bytes = utf8(text);
    for (const size of [7, 13, 64, 100, 257, 1000, bytes.length]) {
      const parts = readInSlices(bytes, size);
      expect(parts.join('')).toBe(text);
      for (const part of parts) expect(part).not.toContain('\ufffd');
    }
  });

  it('prefers to stop after a blank line, then a line break', () => {
    const bytes = utf8('aaaa aaaa\n\nbbbb bbbb\ncccc');
    const slice = decodeTextSlice(bytes.subarray(0, 22), { isFirst: true, isLast: false });
    expect(slice.text).toBe('aaaa aaaa\n\nbbbb bbbb\n');
    const early = decodeTextSlice(bytes.subarray(0, 14), { isFirst: true, isLast: false });
    expect(early.text).toBe('aaaa aaaa\n\n');
  });

  it('skips a BOM on the first slice and normalises CRLF', () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...utf8('one\r\ntwo')]);
    expect(decodeTextSlice(bytes, { isFirst: true, isLast: true })).toEqual({
      text: 'one\ntwo',
      bytesConsumed: bytes.length,
    });
  });

  it('stops before an incomplete UTF-8 sequence when there is no break', () => {
    const bytes = utf8('abc東京');
    const slice = decodeTextSlice(bytes.subarray(0, 7), { isFirst: true, isLast: false });
    expect(slice).toEqual({ text: 'abc東', bytesConsumed: 6 });
  });
});
