import { toHex, utf8 } from './encoding';

export async function sha256Hex(input: string | Uint8Array): Promise<string> {
  const data = typeof input === 'string' ? utf8(input) : input;
  return toHex(await crypto.subtle.digest('SHA-256', data));
}

/** Constant-time comparison of two equal-length strings (hashes, MACs). */
export function timingSafeEqualStrings(a: string, b: string): boolean {
  const left = utf8(a);
  const right = utf8(b);
  if (left.byteLength !== right.byteLength) return false;
  return crypto.subtle.timingSafeEqual(left, right);
}
