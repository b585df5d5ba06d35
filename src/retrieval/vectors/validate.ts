import { EMBEDDING_DIMENSIONS } from '../../db/columns';

/** Rejects vectors the index cannot hold, before any write or query leaves the Worker. */
export function assertVector(values: number[], dimensions = EMBEDDING_DIMENSIONS): void {
  if (values.length !== dimensions) {
    throw new Error(`expected a ${dimensions}-dimension vector, got ${values.length}`);
  }
  for (const v of values) {
    if (!Number.isFinite(v)) throw new Error('vector values must be finite numbers');
  }
}

export function chunked<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
