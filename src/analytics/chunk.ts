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
