import { fmix32, fnv1a } from '../../ai/embed/hash';

export const INDEX_PREFIX = 'vellum-chunks';

/**
 * The Vectorize index a tenant lives in: a stable hash of the tenant id modulo the shard
 * count, e.g. `vellum-chunks-007`. Changing `shardCount` moves tenants, so grow it only
 * together with a migration (see docs/scaling.md).
 */
export function indexForTenant(
  tenantId: string,
  shardCount: number,
  prefix = INDEX_PREFIX,
): string {
  if (!Number.isInteger(shardCount) || shardCount < 1) {
    throw new Error(`shardCount must be a positive integer, got ${shardCount}`);
  }
  const shard = fmix32(fnv1a(tenantId)) % shardCount;
  return `${prefix}-${String(shard).padStart(3, '0')}`;
}

/**
 * Resolves a tenant to its index binding. A dedicated index (from the tenant's settings,
 * e.g. for a very large tenant) wins over the hash.
 */
export function shardedIndexResolver(
  indexes: Record<string, VectorizeIndex>,
  shardCount: number,
  dedicated: (tenantId: string) => string | undefined = () => undefined,
): (tenantId: string) => VectorizeIndex {
  return (tenantId) => {
    const name = dedicated(tenantId) ?? indexForTenant(tenantId, shardCount);
    const index = indexes[name];
    if (!index) throw new Error(`no Vectorize binding for index ${name}`);
    return index;
  };
}
