// Platform operator keys (issue #16): `vk_…` secrets stored as hashes in `operator_keys`, apart
// from tenant keys. They manage tenants (/v1/tenants) and cannot call any tenant route.
import { and, eq, isNull } from 'drizzle-orm';
import { timingSafeEqualStrings } from '../crypto/hash';
import type { Database } from '../db/client';
import { operatorKeys } from '../db/schema';
import { KEY_CACHE_TTL_MS, NEGATIVE_KEY_CACHE_TTL_MS } from '../auth/key-store';
import { LruMap } from '../auth/lru';

export interface OperatorPrincipal {
  operatorKeyId: string;
}

/** Requests under this path are the operator's; every other /v1 route is a tenant's. */
export const OPERATOR_PATH = /^\/v1\/tenants(\/|$)/;

// Operator traffic is light, so an isolate cache with the key cache's TTLs is enough: a revoked
// operator key stops working within KEY_CACHE_TTL_MS (10 s) everywhere.
const cache = new LruMap<string, { value: OperatorPrincipal | null; until: number }>(1000);

export async function lookupOperatorKey(
  db: Database,
  keyHash: string,
  now = Date.now(),
): Promise<OperatorPrincipal | null> {
  const hit = cache.get(keyHash);
  if (hit && hit.until > now) return hit.value;
  const [row] = await db
    .select({ id: operatorKeys.id, keyHash: operatorKeys.keyHash })
    .from(operatorKeys)
    .where(and(eq(operatorKeys.keyHash, keyHash), isNull(operatorKeys.revokedAt)))
    .limit(1);
  const value =
    row && timingSafeEqualStrings(row.keyHash, keyHash) ? { operatorKeyId: row.id } : null;
  cache.set(keyHash, {
    value,
    until: now + (value ? KEY_CACHE_TTL_MS : NEGATIVE_KEY_CACHE_TTL_MS),
  });
  return value;
}
