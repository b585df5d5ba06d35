import { sha256Hex } from '../crypto/hash';

/** Cached search responses live this long; a corpus change makes them unreachable sooner. */
export const SEARCH_CACHE_TTL_SECONDS = 300;
const ORIGIN = 'https://search-cache.vellum.internal';

/**
 * Cache API keys embed the tenant's corpus version, which every document change bumps, so
 * stale entries are never read again and simply expire.
 */
export async function searchCacheKey(
  tenantId: string,
  corpusVersion: number,
  params: unknown,
): Promise<Request> {
  const digest = await sha256Hex(JSON.stringify(params));
  return new Request(`${ORIGIN}/${tenantId}/${corpusVersion}/${digest}`);
}

export async function readCachedSearch<T>(key: Request): Promise<T | undefined> {
  const hit = await caches.default.match(key);
  return hit ? ((await hit.json()) as T) : undefined;
}

export async function writeCachedSearch(key: Request, body: unknown): Promise<void> {
  await caches.default.put(
    key,
    new Response(JSON.stringify(body), {
      headers: {
        'content-type': 'application/json',
        'cache-control': `max-age=${SEARCH_CACHE_TTL_SECONDS}`,
      },
    }),
  );
}

/** Canonical form of a query for cache keys: NFKC, lower case, collapsed spaces. */
export function normaliseQuery(query: string): string {
  return query.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
}
