import type { Database } from '../db/client';
import { ApiError } from '../errors';
import type { Principal } from '../types';
import { lookupSigningKey, type ResolvedKey } from './key-store';
import { canDelegate, defaultUserOperations, roleAllows } from './roles';
import {
  MAX_USER_TOKEN_TTL_SECONDS,
  parseUserToken,
  USER_TOKEN_CLOCK_SKEW_SECONDS,
  verifyUserTokenMac,
} from './user-token';

const invalid = (message: string) =>
  new ApiError(401, 'invalid_token', message, undefined, { 'WWW-Authenticate': 'Bearer' });

/**
 * Verifies a user token and returns the principal it speaks for. The only lookup is the signing
 * key's cached record (lookupSigningKey: same tiers and bounds as an API key), so a revoked or
 * rotated-out key stops its tokens within the key-cache bound. Throws ApiError:
 * 401 invalid_token (malformed, tampered, unknown or revoked key, wrong tenant, lifetime over
 * 24 h, issued in the future), 401 expired_token, 403 token_operations_exceed_key.
 */
export async function resolveUserToken(
  db: Database,
  token: string,
  now = Date.now(),
  defer?: (work: Promise<unknown>) => void,
): Promise<ResolvedKey> {
  const parsed = parseUserToken(token);
  if (!parsed) throw invalid('the user token is malformed');
  const { claims } = parsed;
  const key = await lookupSigningKey(db, claims.kid, now, defer);
  if (!key) throw invalid('the key that signed this token is unknown, expired or revoked');
  if (!key.tokenSecret) {
    throw invalid('the signing key predates user tokens; rotate it to sign tokens');
  }
  if (!(await verifyUserTokenMac(parsed, key.tokenSecret))) {
    throw invalid('the user token signature does not verify');
  }
  // Signed, so the claims are the key holder's; still hold them to our rules.
  if (claims.tid !== key.principal.tenantId) {
    throw invalid("the token's tenant is not its signing key's tenant");
  }
  if (claims.exp - claims.iat > MAX_USER_TOKEN_TTL_SECONDS || claims.exp <= claims.iat) {
    throw invalid('a user token may live at most 24 hours');
  }
  const nowSeconds = Math.floor(now / 1000);
  if (claims.iat > nowSeconds + USER_TOKEN_CLOCK_SKEW_SECONDS) {
    throw invalid('the user token is issued in the future');
  }
  if (claims.exp <= nowSeconds) {
    throw new ApiError(401, 'expired_token', 'the user token has expired', undefined, {
      'WWW-Authenticate': 'Bearer error="invalid_token"',
    });
  }
  const role = key.principal.role;
  if (!roleAllows(role, 'tokens:mint')) {
    throw new ApiError(
      403,
      'token_operations_exceed_key',
      `a '${role}' key may not sign user tokens`,
    );
  }
  const refused = (claims.ops ?? []).filter((op) => !canDelegate(role, op));
  if (refused.length) {
    throw new ApiError(
      403,
      'token_operations_exceed_key',
      `the token's operations exceed what its '${role}' key may delegate: ${refused.join(', ')}`,
    );
  }
  const principal: Principal = {
    tenantId: key.principal.tenantId,
    keyId: key.principal.keyId,
    role,
    userId: claims.sub,
    // Always set for a token: authorize() then checks it, so a token never falls back to the
    // key's full role (key management, minting, settings).
    operations: claims.ops ?? defaultUserOperations(role),
    ...(claims.scope ? { scope: claims.scope } : {}),
  };
  return { principal, settings: key.settings };
}
