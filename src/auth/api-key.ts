import { base64UrlEncode } from '../crypto/encoding';
import { sha256Hex } from '../crypto/hash';

const KEY_PATTERN = /^vk_([a-z]+)_([A-Za-z0-9_-]{32,64})$/;

/** `vk_<env>_<43 chars of randomness>`: 256 bits, URL-safe. */
export function generateApiKey(environment: string): string {
  const random = base64UrlEncode(crypto.getRandomValues(new Uint8Array(32)));
  return `vk_${environment}_${random}`;
}

export function looksLikeApiKey(value: string): boolean {
  return KEY_PATTERN.test(value);
}

/** Shown in listings; long enough to recognise, useless to authenticate. */
export function displayPrefix(key: string): string {
  const match = KEY_PATTERN.exec(key);
  return match ? `vk_${match[1]}_${match[2]!.slice(0, 6)}` : key.slice(0, 12);
}

export const hashApiKey = (key: string) => sha256Hex(key);
