import { base64UrlDecode, base64UrlEncode, utf8 } from './encoding';

export interface SigningKey {
  id: string;
  secret: string;
}

/** Parses "kid:secret[,kid:secret]". The first key signs; every key verifies (rotation). */
export function parseSigningKeys(raw: string | undefined): SigningKey[] {
  const keys = (raw ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const at = entry.indexOf(':');
      return { id: entry.slice(0, at), secret: entry.slice(at + 1) };
    })
    .filter((k) => k.id && k.secret.length >= 16);
  if (keys.length === 0)
    throw new Error('SIGNING_KEYS must hold at least one "kid:secret" of 16+ chars');
  return keys;
}

const keyCache = new Map<string, Promise<CryptoKey>>();
function importKey(secret: string): Promise<CryptoKey> {
  let key = keyCache.get(secret);
  if (!key) {
    key = crypto.subtle.importKey('raw', utf8(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [
      'sign',
      'verify',
    ]);
    keyCache.set(secret, key);
  }
  return key;
}

/** Signs a JSON payload as `base64url(payload).kid.base64url(hmac)`. */
export async function signToken(payload: object, keys: SigningKey[]): Promise<string> {
  const signer = keys[0]!;
  const body = base64UrlEncode(utf8(JSON.stringify(payload)));
  const mac = await crypto.subtle.sign(
    'HMAC',
    await importKey(signer.secret),
    utf8(`${body}.${signer.id}`),
  );
  return `${body}.${signer.id}.${base64UrlEncode(mac)}`;
}

/** Returns the payload, or null when the token is malformed or its MAC does not verify. */
export async function verifyToken<T>(token: string, keys: SigningKey[]): Promise<T | null> {
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  const [body, kid, mac] = parts as [string, string, string];
  const key = keys.find((k) => k.id === kid);
  if (!key) return null;
  let signature: Uint8Array;
  try {
    signature = base64UrlDecode(mac);
  } catch {
    return null;
  }
  // crypto.subtle.verify compares in constant time.
  const ok = await crypto.subtle.verify(
    'HMAC',
    await importKey(key.secret),
    signature,
    utf8(`${body}.${kid}`),
  );
  if (!ok) return null;
  try {
    return JSON.parse(new TextDecoder().decode(base64UrlDecode(body))) as T;
  } catch {
    return null;
  }
}
