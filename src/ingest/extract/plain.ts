import { decodeText, normaliseText } from './decode';
import type { Extracted } from './types';

export function extractPlain(bytes: Uint8Array, charset?: string): Extracted {
  return { text: normaliseText(decodeText(bytes, charset)) };
}
