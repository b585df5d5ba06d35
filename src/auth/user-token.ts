// User tokens (issue #16): short-lived, HMAC-signed bearer tokens a tenant's server mints for one
// end user, locally or through POST /v1/tokens. This file is the one codec: the server, the typed
// client and the CLI all import it, so a locally minted token is byte-for-byte what the server
// would mint. It uses only WebCrypto and the encoding helpers, so it runs in Workers, Node and
// browsers alike.
//
//   vut1.<base64url(JSON claims)>.<base64url(HMAC-SHA-256(signing secret, "vut1." + claims))>
//
// The signing secret is derived from the API key (see deriveTokenSigningSecret), so the holder
// of a key can mint without asking us, and the server verifies with the derived value it stored
// when the key was created (api_keys.token_secret), never with the lookup hash.
import { base64UrlDecode, base64UrlEncode, utf8 } from '../crypto/encoding';
import type { DocumentScope } from '../types';
import { LruMap } from './lru';

export const USER_TOKEN_PREFIX = 'vut1';
/** The longest a user token may live: a leaked token is useless by tomorrow. */
export const MAX_USER_TOKEN_TTL_SECONDS = 24 * 3600;
export const DEFAULT_USER_TOKEN_TTL_SECONDS = 3600;
/** Clock skew tolerated on `iat` between the minting server and the edge. */
export const USER_TOKEN_CLOCK_SKEW_SECONDS = 60;
/** Bounds a header we parse before verifying anything. */
export const MAX_USER_TOKEN_LENGTH = 4096;
export const MAX_USER_ID_LENGTH = 128;
export const MAX_SCOPE_ENTRIES = 100;
const MAX_SCOPE_ENTRY_LENGTH = 128;

// Fixed label: the derived value signs tokens and nothing else, and differs from the lookup
// hash (plain SHA-256 of the key), so knowing one does not give the other.
const DERIVATION_LABEL = 'vellum/user-token-signing/v1';

/** The claims a user token carries. Short names keep the token compact in every header. */
export interface UserTokenClaims {
  /** Tenant id. */
  tid: string;
  /** Id of the API key whose derived secret signed the token. */
  kid: string;
  /** The end user's id, as the tenant names them. */
  sub: string;
  /** Allowed operations (permission names); absent means the default user set. */
  ops?: string[];
  scope?: DocumentScope;
  /** Issued at / expires at, epoch seconds. */
  iat: number;
  exp: number;
}

export interface MintInput {
  tenantId: string;
  keyId: string;
  userId: string;
  operations?: readonly string[];
  scope?: DocumentScope;
  /** Defaults to one hour; at most 24 h. */
  expiresInSeconds?: number;
  /** Epoch ms; tests pin it. */
  now?: number;
}

async function hmacKey(secret: string, usage: 'sign' | 'verify'): Promise<CryptoKey> {
  return crypto.subtle.importKey('raw', utf8(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [
    usage,
  ]);
}

/** The per-key signing secret: HMAC-SHA-256(api key, fixed label), base64url. */
export async function deriveTokenSigningSecret(apiKey: string): Promise<string> {
  const mac = await crypto.subtle.sign(
    'HMAC',
    await hmacKey(apiKey, 'sign'),
    utf8(DERIVATION_LABEL),
  );
  return base64UrlEncode(mac);
}

export function looksLikeUserToken(value: string): boolean {
  return value.startsWith(`${USER_TOKEN_PREFIX}.`) && value.length <= MAX_USER_TOKEN_LENGTH;
}

const isShortString = (v: unknown, max: number): v is string =>
  typeof v === 'string' && v.length > 0 && v.length <= max && !/[\u0000-\u001f\u007f]/.test(v);

/** User ids are the tenant's own identifiers: printable, at most 128 characters. */
export const isValidUserId = (v: unknown): v is string => isShortString(v, MAX_USER_ID_LENGTH);

function isStringList(v: unknown): v is string[] {
  return (
    Array.isArray(v) &&
    v.length <= MAX_SCOPE_ENTRIES &&
    v.every((s) => isShortString(s, MAX_SCOPE_ENTRY_LENGTH))
  );
}

/** Scope shape check: only the three known fields, bounded lists. */
export function isValidScope(v: unknown): v is DocumentScope {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const scope = v as Record<string, unknown>;
  if (Object.keys(scope).some((k) => !['collections', 'tags', 'ownerOnly'].includes(k))) {
    return false;
  }
  if (scope.collections !== undefined && !isStringList(scope.collections)) return false;
  if (scope.tags !== undefined && !isStringList(scope.tags)) return false;
  if (scope.ownerOnly !== undefined && typeof scope.ownerOnly !== 'boolean') return false;
  return true;
}

/** Structural check of decoded claims (not of the signature, expiry or key). */
export function isWellFormedClaims(v: unknown): v is UserTokenClaims {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const c = v as Record<string, unknown>;
  return (
    isShortString(c.tid, 64) &&
    isShortString(c.kid, 64) &&
    isValidUserId(c.sub) &&
    Number.isSafeInteger(c.iat) &&
    Number.isSafeInteger(c.exp) &&
    (c.ops === undefined || (isStringList(c.ops) && c.ops.length > 0)) &&
    (c.scope === undefined || isValidScope(c.scope))
  );
}

async function macOf(secret: string, signedPart: string): Promise<string> {
  return base64UrlEncode(
    await crypto.subtle.sign('HMAC', await hmacKey(secret, 'sign'), utf8(signedPart)),
  );
}

/** Signs claims with a derived signing secret (the server's path: it never sees the API key). */
export async function signUserToken(claims: UserTokenClaims, signingSecret: string) {
  const signedPart = `${USER_TOKEN_PREFIX}.${base64UrlEncode(utf8(JSON.stringify(claims)))}`;
  return `${signedPart}.${await macOf(signingSecret, signedPart)}`;
}

/** The claims a mint request produces; throws RangeError on input no server would accept. */
export function buildClaims(input: MintInput): UserTokenClaims {
  const ttl = input.expiresInSeconds ?? DEFAULT_USER_TOKEN_TTL_SECONDS;
  if (!Number.isSafeInteger(ttl) || ttl < 1 || ttl > MAX_USER_TOKEN_TTL_SECONDS) {
    throw new RangeError(
      `expiresInSeconds must be an integer from 1 to ${MAX_USER_TOKEN_TTL_SECONDS}`,
    );
  }
  const iat = Math.floor((input.now ?? Date.now()) / 1000);
  const claims: UserTokenClaims = {
    tid: input.tenantId,
    kid: input.keyId,
    sub: input.userId,
    ...(input.operations ? { ops: [...input.operations] } : {}),
    ...(input.scope ? { scope: input.scope } : {}),
    iat,
    exp: iat + ttl,
  };
  if (!isWellFormedClaims(claims)) throw new RangeError('invalid user id, operations or scope');
  return claims;
}

/**
 * Mints a token locally from the API key itself, with no round trip (the typed client's and
 * the CLI's path). The server accepts it exactly as one it minted.
 */
export async function mintUserToken(apiKey: string, input: MintInput) {
  const claims = buildClaims(input);
  const token = await signUserToken(claims, await deriveTokenSigningSecret(apiKey));
  return { token, expiresAt: new Date(claims.exp * 1000).toISOString() };
}

export interface ParsedUserToken {
  claims: UserTokenClaims;
  signedPart: string;
  mac: string;
}

/** Decodes a token's claims without trusting them: the signature is checked separately. */
export function parseUserToken(token: string): ParsedUserToken | null {
  if (!looksLikeUserToken(token)) return null;
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  const [prefix, body, mac] = parts as [string, string, string];
  try {
    const claims: unknown = JSON.parse(new TextDecoder().decode(base64UrlDecode(body)));
    if (!isWellFormedClaims(claims)) return null;
    return { claims, signedPart: `${prefix}.${body}`, mac };
  } catch {
    return null;
  }
}

// Imported keys per signing secret, so a hot key is imported once per isolate. Bounded like the
// key cache it shadows.
const verifyKeys = new LruMap<string, Promise<CryptoKey>>(10_000);
function verifyKeyFor(secret: string): Promise<CryptoKey> {
  let key = verifyKeys.get(secret);
  if (!key) {
    key = hmacKey(secret, 'verify');
    verifyKeys.set(secret, key);
  }
  return key;
}

/** Constant-time MAC check (crypto.subtle.verify compares in constant time). */
export async function verifyUserTokenMac(parsed: ParsedUserToken, signingSecret: string) {
  let signature: Uint8Array;
  try {
    signature = base64UrlDecode(parsed.mac);
  } catch {
    return false;
  }
  return crypto.subtle.verify(
    'HMAC',
    await verifyKeyFor(signingSecret),
    signature,
    utf8(parsed.signedPart),
  );
}
