import type { TenantSettings } from '../tenants/settings';
import type { Principal } from '../types';

/**
 * How long a colo's Cache API keeps a key lookup. Together with the isolate cache this
 * bounds how late another colo notices a revocation (see docs/security.md).
 */
export const EDGE_KEY_CACHE_TTL_SECONDS = 30;

export interface KeyRecord {
  principal: Principal;
  /** Epoch ms, or null for keys that never expire. */
  expiresAt: number | null;
  settings: TenantSettings;
  /** Only on records looked up by key id, to verify the user tokens the key signed. */
  tokenSecret?: string | null;
}

// Synthetic URL: the Cache API keys on URLs, and this host is never fetched.
const entryUrl = (keyHash: string) => `https://key-cache.vellum.internal/v1/${keyHash}`;

function edgeCache(): Cache | undefined {
  return typeof caches === 'undefined' ? undefined : caches.default;
}

/** Only valid keys are stored; unknown keys are cached per isolate only. */
export async function readKeyRecord(keyHash: string): Promise<KeyRecord | undefined> {
  const cache = edgeCache();
  if (!cache) return undefined;
  const hit = await cache.match(entryUrl(keyHash));
  if (!hit) return undefined;
  try {
    return (await hit.json()) as KeyRecord;
  } catch {
    return undefined;
  }
}

export async function writeKeyRecord(keyHash: string, record: KeyRecord): Promise<void> {
  const cache = edgeCache();
  if (!cache) return;
  await cache.put(
    entryUrl(keyHash),
    new Response(JSON.stringify(record), {
      headers: {
        'content-type': 'application/json',
        'cache-control': `max-age=${EDGE_KEY_CACHE_TTL_SECONDS}`,
      },
    }),
  );
}

/** Purges the entry in this colo only; other colos age it out within the TTL. */
export async function purgeKeyRecord(keyHash: string): Promise<void> {
  await edgeCache()?.delete(entryUrl(keyHash));
}
