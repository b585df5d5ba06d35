import { fmix32, fnv1a } from '../../ai/embed/hash';

export const INDEX_PREFIX = 'vellum-chunks';
/** The binding of shard 0; shard i > 0 is bound as `VECTORS_<i>`. */
export const SHARD_BINDING_PREFIX = 'VECTORS';

/** The Vectorize bindings of a Worker: `VECTORS`, `VECTORS_1`, … and the stable shard count. */
import type { VectorShardBindings } from '../../env';

export type { VectorShardBindings };

/**
 * Shard 0 keeps the original names (`VECTORS` bound to `vellum-chunks`), so a deployment
 * with one index needs no rename; shard i > 0 is `VECTORS_<i>` bound to `vellum-chunks-<i>`.
 */
export const shardBinding = (shard: number): string =>
  shard === 0 ? SHARD_BINDING_PREFIX : `${SHARD_BINDING_PREFIX}_${shard}`;
export const shardIndexName = (shard: number, prefix = INDEX_PREFIX): string =>
  shard === 0 ? prefix : `${prefix}-${shard}`;

function checkShardCount(shardCount: number): void {
  if (!Number.isInteger(shardCount) || shardCount < 1) {
    throw new Error(`shardCount must be a positive integer, got ${shardCount}`);
  }
}

/**
 * The shard a tenant lives in: a stable hash of the tenant id modulo the shard count.
 * Changing `shardCount` moves tenants, so grow it only together with a migration
 * (see docs/scaling.md).
 */
export function shardForTenant(tenantId: string, shardCount: number): number {
  checkShardCount(shardCount);
  return fmix32(fnv1a(tenantId)) % shardCount;
}

/** `VECTOR_SHARDS` as a count; unset means one index. Anything else but a positive integer throws. */
export function vectorShardCount(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === '') return 1;
  const count = Number(raw);
  checkShardCount(count);
  return count;
}

/**
 * The shard indexes in shard order, or undefined when Vectorize is not bound at all. A
 * partly bound set throws instead of quietly using fewer shards: a smaller count would send
 * tenants to indexes that do not hold their vectors.
 */
export function shardIndexes(env: VectorShardBindings): VectorizeIndex[] | undefined {
  if (!env.VECTORS) return undefined;
  const count = vectorShardCount(env.VECTOR_SHARDS);
  return Array.from({ length: count }, (_, shard) => {
    const index = shard === 0 ? env.VECTORS : env[`VECTORS_${shard}`];
    if (!index) {
      throw new Error(
        `VECTOR_SHARDS is ${count} but ${shardBinding(shard)} is not bound (see docs/scaling.md)`,
      );
    }
    return index;
  });
}

/**
 * Resolves a tenant to its shard's index. A dedicated index (e.g. for a very large tenant,
 * from its settings) wins over the hash.
 */
export function shardedIndexResolver(
  indexes: readonly VectorizeIndex[],
  dedicated: (tenantId: string) => VectorizeIndex | undefined = () => undefined,
): (tenantId: string) => VectorizeIndex {
  checkShardCount(indexes.length);
  return (tenantId) => dedicated(tenantId) ?? indexes[shardForTenant(tenantId, indexes.length)]!;
}
