import { utf8Length } from './validate';

/**
 * Queue messages are limited to 128 KB (128,000 bytes, including ~100 bytes of metadata); keep
 * headroom for the envelope around the events.
 */
export const MAX_MESSAGE_BYTES = 120 * 1024;

/**
 * Splits serialised events (see `validateEvents(...).serialized`) into groups whose joined
 * JSON stays under `maxBytes`. Works on the strings, so nothing is serialised again.
 */
export function chunkEvents(
  serialized: readonly string[],
  maxBytes = MAX_MESSAGE_BYTES,
): string[][] {
  // UTF-8 takes at most 3 bytes per UTF-16 code unit, so when three times the character count
  // fits, so do the bytes: one chunk, and no event is scanned byte by byte (a batch of 100
  // typical events is ~18,000 characters against a limit of ~120,000 bytes).
  let chars = 2;
  for (const json of serialized) chars += json.length + 1;
  if (chars * 3 <= maxBytes) return serialized.length > 0 ? [[...serialized]] : [];
  const chunks: string[][] = [];
  let current: string[] = [];
  let size = 2; // the array's brackets
  for (const json of serialized) {
    const bytes = utf8Length(json) + 1; // and its comma
    if (current.length > 0 && size + bytes > maxBytes) {
      chunks.push(current);
      current = [];
      size = 2;
    }
    current.push(json);
    size += bytes;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
