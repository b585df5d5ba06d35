import type { ProductEvent } from '../env';

/** Queue messages are limited to 128 KB; keep headroom for the envelope and JSON framing. */
export const MAX_MESSAGE_BYTES = 120 * 1024;

const encoder = new TextEncoder();

/** Splits events into groups whose JSON stays under `maxBytes` (an event is ≤ ~5 KiB). */
export function chunkEvents(
  events: readonly ProductEvent[],
  maxBytes = MAX_MESSAGE_BYTES,
): ProductEvent[][] {
  const chunks: ProductEvent[][] = [];
  let current: ProductEvent[] = [];
  let size = 0;
  for (const event of events) {
    const bytes = encoder.encode(JSON.stringify(event)).length + 1;
    if (current.length > 0 && size + bytes > maxBytes) {
      chunks.push(current);
      current = [];
      size = 0;
    }
    current.push(event);
    size += bytes;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
