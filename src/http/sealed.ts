import { parseSigningKeys } from '../crypto/signing';
import { base64UrlDecode, base64UrlEncode, utf8 } from '../crypto/encoding';

/**
 * AES-GCM sealing for stored responses that carry a secret (a new API key kept for an
 * idempotent replay): the database holds only ciphertext, never the key itself. The AES key is
 * SHA-256 of a `SIGNING_KEYS` secret with a purpose label, so no new secret is needed; the
 * first signing key seals, any configured one opens (rotation), as for download tokens.
 */
const aesKeys = new Map<string, Promise<CryptoKey>>();
function aesKey(secret: string): Promise<CryptoKey> {
  let key = aesKeys.get(secret);
  if (!key) {
    key = crypto.subtle
      .digest('SHA-256', utf8(`vellum/idempotent-response/${secret}`))
      .then((raw) => crypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt', 'decrypt']));
    aesKeys.set(secret, key);
  }
  return key;
}

/** `kid.iv.ciphertext`, base64url. */
export async function seal(plaintext: string, signingKeys: string): Promise<string> {
  const signer = parseSigningKeys(signingKeys)[0]!;
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv },
    await aesKey(signer.secret),
    utf8(plaintext),
  );
  return `${signer.id}.${base64UrlEncode(iv)}.${base64UrlEncode(sealed)}`;
}

/** The plaintext, or null when no configured key opens it (rotated away, or tampered with). */
export async function openSealed(value: string, signingKeys: string): Promise<string | null> {
  const [kid, iv, data] = value.split('.');
  const key = parseSigningKeys(signingKeys).find((k) => k.id === kid);
  if (!key || !iv || !data) return null;
  try {
    const plain = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: base64UrlDecode(iv) },
      await aesKey(key.secret),
      base64UrlDecode(data),
    );
    return new TextDecoder().decode(plain);
  } catch {
    return null;
  }
}
