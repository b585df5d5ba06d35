import { and, eq, isNull, or, gt, sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import { apiKeys } from '../db/schema';
import { timingSafeEqualStrings } from '../crypto/hash';
import type { Principal, Role } from '../types';

/** How long an isolate trusts a key lookup. Revocation takes effect within this bound. */
export const KEY_CACHE_TTL_MS = 10_000;
const LAST_USED_WRITE_INTERVAL_MS = 60_000;

interface CachedKey {
  principal: Principal | null;
  expiresAt: number | null;
  cachedUntil: number;
  lastUsedWrite: number;
}

const cache = new Map<string, CachedKey>();

export function forgetCachedKey(keyHash: string): void {
  cache.delete(keyHash);
}

/** Resolves a key hash to its principal, or null if unknown, revoked or expired. */
export async function resolveKey(
  db: Database,
  keyHash: string,
  now = Date.now(),
  touch?: (work: Promise<unknown>) => void,
): Promise<Principal | null> {
  let entry = cache.get(keyHash);
  if (!entry || entry.cachedUntil <= now) {
    const [row] = await db
      .select({
        id: apiKeys.id,
        tenantId: apiKeys.tenantId,
        role: apiKeys.role,
        keyHash: apiKeys.keyHash,
        expiresAt: apiKeys.expiresAt,
      })
      .from(apiKeys)
      .where(
        and(
          eq(apiKeys.keyHash, keyHash),
          isNull(apiKeys.revokedAt),
          or(isNull(apiKeys.expiresAt), gt(apiKeys.expiresAt, sql`now()`)),
        ),
      )
      .limit(1);
    const valid = row && timingSafeEqualStrings(row.keyHash, keyHash);
    entry = {
      principal: valid ? { tenantId: row.tenantId, keyId: row.id, role: row.role as Role } : null,
      expiresAt: valid && row.expiresAt ? row.expiresAt.getTime() : null,
      cachedUntil: now + KEY_CACHE_TTL_MS,
      lastUsedWrite: entry?.lastUsedWrite ?? 0,
    };
    if (cache.size > 10_000) cache.clear();
    cache.set(keyHash, entry);
  }
  if (!entry.principal) return null;
  if (entry.expiresAt !== null && entry.expiresAt <= now) return null;
  if (touch && now - entry.lastUsedWrite > LAST_USED_WRITE_INTERVAL_MS) {
    entry.lastUsedWrite = now;
    touch(
      db
        .update(apiKeys)
        .set({ lastUsedAt: new Date(now) })
        .where(eq(apiKeys.id, entry.principal.keyId)),
    );
  }
  return entry.principal;
}
