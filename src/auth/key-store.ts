import { and, eq, gt, isNull, or, sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import { apiKeys, tenants } from '../db/schema';
import { timingSafeEqualStrings } from '../crypto/hash';
import { isUuid } from '../http/cursor';
import { parseStoredSettings, type TenantSettings } from '../tenants/settings';
import type { Principal, Role } from '../types';
import { purgeKeyRecord, readKeyRecord, writeKeyRecord, type KeyRecord } from './edge-key-cache';
import { LruMap } from './lru';

/** How long an isolate trusts a key lookup before asking the colo cache or Postgres again. */
export const KEY_CACHE_TTL_MS = 10_000;
/** Unknown keys are remembered briefly: enough to absorb a burst, short enough to heal fast. */
export const NEGATIVE_KEY_CACHE_TTL_MS = 1_000;
const LAST_USED_WRITE_INTERVAL_MS = 60_000;

interface CachedKey {
  record: KeyRecord | null;
  cachedUntil: number;
  lastUsedWrite: number;
}

/** Entries per isolate cache. */
export const KEY_CACHE_ENTRIES = 10_000;

// Known and unknown keys are cached apart: a flood of random `vk_…` keys churns only the
// negative cache and can never push a real key out (it used to clear the whole cache).
const known = new LruMap<string, CachedKey>(KEY_CACHE_ENTRIES);
const unknown = new LruMap<string, CachedKey>(KEY_CACHE_ENTRIES);
const cached = (keyHash: string) => known.get(keyHash) ?? unknown.get(keyHash);

/** A valid key this isolate already knows (no Cache API or Postgres work), else undefined. */
export function peekKnownKey(keyHash: string, now = Date.now()): ResolvedKey | undefined {
  const entry = known.peek(keyHash);
  const record = entry && entry.cachedUntil > now ? entry.record : null;
  if (!record || (record.expiresAt !== null && record.expiresAt <= now)) return undefined;
  return { principal: record.principal, settings: record.settings };
}

const signingCacheKey = (keyId: string) => `id-${keyId}`;

/**
 * Drops a key from this isolate and from the colo cache, both by hash and (for the user tokens
 * it signed) by id: the next request re-reads Postgres.
 */
export async function evictKey(keyHash: string, keyId?: string): Promise<void> {
  const cacheKeys = keyId ? [keyHash, signingCacheKey(keyId)] : [keyHash];
  for (const k of cacheKeys) {
    known.delete(k);
    unknown.delete(k);
  }
  await Promise.all(cacheKeys.map((k) => purgeKeyRecord(k)));
}

/** Settings ride along with key lookups, so a settings change evicts every key of the tenant. */
export async function evictTenantKeys(db: Database, tenantId: string): Promise<void> {
  for (const [hash, entry] of [...known.entries()]) {
    if (entry.record?.principal.tenantId === tenantId) known.delete(hash);
  }
  const rows = await db
    .select({ keyHash: apiKeys.keyHash, id: apiKeys.id })
    .from(apiKeys)
    .where(eq(apiKeys.tenantId, tenantId));
  await Promise.all(rows.map((row) => evictKey(row.keyHash, row.id)));
}

const keyColumns = {
  id: apiKeys.id,
  tenantId: apiKeys.tenantId,
  role: apiKeys.role,
  keyHash: apiKeys.keyHash,
  expiresAt: apiKeys.expiresAt,
  settings: tenants.settings,
};
const usable = and(
  isNull(apiKeys.revokedAt),
  or(isNull(apiKeys.expiresAt), gt(apiKeys.expiresAt, sql`now()`)),
);

type KeyRow = {
  id: string;
  tenantId: string;
  role: string;
  expiresAt: Date | null;
  settings: unknown;
};
const toRecord = (row: KeyRow): KeyRecord => ({
  principal: { tenantId: row.tenantId, keyId: row.id, role: row.role as Role, userId: null },
  expiresAt: row.expiresAt ? row.expiresAt.getTime() : null,
  settings: parseStoredSettings(row.settings as Record<string, unknown>),
});

async function loadFromPostgres(db: Database, keyHash: string): Promise<KeyRecord | null> {
  const [row] = await db
    .select(keyColumns)
    .from(apiKeys)
    .innerJoin(tenants, eq(tenants.id, apiKeys.tenantId))
    .where(and(eq(apiKeys.keyHash, keyHash), usable))
    .limit(1);
  if (!row || !timingSafeEqualStrings(row.keyHash, keyHash)) return null;
  return toRecord(row);
}

/** By id, with the derived token-signing secret: what verifying a user token needs. */
async function loadSigningKey(db: Database, keyId: string): Promise<KeyRecord | null> {
  if (!isUuid(keyId)) return null;
  const [row] = await db
    .select({ ...keyColumns, tokenSecret: apiKeys.tokenSecret })
    .from(apiKeys)
    .innerJoin(tenants, eq(tenants.id, apiKeys.tenantId))
    .where(and(eq(apiKeys.id, keyId), usable))
    .limit(1);
  return row ? { ...toRecord(row), tokenSecret: row.tokenSecret } : null;
}

export interface ResolvedKey {
  principal: Principal;
  settings: TenantSettings;
}

/**
 * The three tiers shared by both lookups: this isolate (10 s), the colo's Cache API (30 s),
 * then Postgres. `cacheKey` is the key hash, or `id-<uuid>` for lookups by key id.
 */
async function resolveCached(
  db: Database,
  cacheKey: string,
  load: () => Promise<KeyRecord | null>,
  now: number,
  defer?: (work: Promise<unknown>) => void,
): Promise<KeyRecord | null> {
  let entry = cached(cacheKey);
  if (!entry || entry.cachedUntil <= now) {
    let record: KeyRecord | null | undefined = await readKeyRecord(cacheKey).catch(() => undefined);
    if (!record) {
      record = await load();
      if (record) {
        const fill = writeKeyRecord(cacheKey, record).catch(() => {});
        if (defer) defer(fill);
        else await fill;
      }
    }
    entry = {
      record,
      cachedUntil: now + (record ? KEY_CACHE_TTL_MS : NEGATIVE_KEY_CACHE_TTL_MS),
      lastUsedWrite: entry?.lastUsedWrite ?? 0,
    };
    if (record) {
      unknown.delete(cacheKey);
      known.set(cacheKey, entry);
    } else {
      known.delete(cacheKey);
      unknown.set(cacheKey, entry);
    }
  }
  const record = entry.record;
  if (!record) return null;
  if (record.expiresAt !== null && record.expiresAt <= now) return null;
  if (defer && now - entry.lastUsedWrite > LAST_USED_WRITE_INTERVAL_MS) {
    entry.lastUsedWrite = now;
    defer(
      db
        .update(apiKeys)
        .set({ lastUsedAt: new Date(now) })
        .where(eq(apiKeys.id, record.principal.keyId)),
    );
  }
  return record;
}

/**
 * Resolves a key hash through three tiers: this isolate (10 s), the colo's Cache API
 * (30 s), then Postgres. Returns null if the key is unknown, revoked or expired.
 * `defer` receives background work (cache fill, last-used write), usually `waitUntil`.
 */
export async function lookupKey(
  db: Database,
  keyHash: string,
  now = Date.now(),
  defer?: (work: Promise<unknown>) => void,
): Promise<ResolvedKey | null> {
  const record = await resolveCached(db, keyHash, () => loadFromPostgres(db, keyHash), now, defer);
  return record ? { principal: record.principal, settings: record.settings } : null;
}

export interface SigningKey extends ResolvedKey {
  /** Null for keys created before user tokens existed: they must be rotated to sign. */
  tokenSecret: string | null;
}

/**
 * The key that signed a user token, by its id, through the same tiers and bounds as
 * lookupKey: verifying a token costs no more Postgres than using the key would. Null when the
 * key is unknown, revoked or expired, so its tokens die with it.
 */
export async function lookupSigningKey(
  db: Database,
  keyId: string,
  now = Date.now(),
  defer?: (work: Promise<unknown>) => void,
): Promise<SigningKey | null> {
  const record = await resolveCached(
    db,
    signingCacheKey(keyId),
    () => loadSigningKey(db, keyId),
    now,
    defer,
  );
  if (!record) return null;
  return {
    principal: record.principal,
    settings: record.settings,
    tokenSecret: record.tokenSecret ?? null,
  };
}

/** The principal alone, for callers that do not need tenant settings. */
export async function resolveKey(
  db: Database,
  keyHash: string,
  now = Date.now(),
  defer?: (work: Promise<unknown>) => void,
): Promise<Principal | null> {
  return (await lookupKey(db, keyHash, now, defer))?.principal ?? null;
}
