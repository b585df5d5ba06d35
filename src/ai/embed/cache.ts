import { and, eq, inArray } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { embeddingCache } from '../../db/schema';
import type { Embedder } from './embedder';

/** Hashes per lookup: keeps the IN list and the response (~8 KB per vector) bounded. */
const LOOKUP_CHUNK = 200;
/** Rows per INSERT: 100 vectors of 768 floats is a statement of roughly 1 MB of text. */
const INSERT_CHUNK = 100;

function chunked<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export async function getCachedEmbeddings(
  db: Database,
  tenantId: string,
  model: string,
  hashes: string[],
): Promise<Map<string, number[]>> {
  const found = new Map<string, number[]>();
  for (const part of chunked([...new Set(hashes)], LOOKUP_CHUNK)) {
    const rows = await db
      .select({ hash: embeddingCache.contentHash, embedding: embeddingCache.embedding })
      .from(embeddingCache)
      .where(
        and(
          eq(embeddingCache.tenantId, tenantId),
          eq(embeddingCache.model, model),
          inArray(embeddingCache.contentHash, part),
        ),
      );
    for (const row of rows) found.set(row.hash, row.embedding);
  }
  return found;
}

/** Stores vectors; a hash already cached for (tenant, model) keeps its first vector. */
export async function putCachedEmbeddings(
  db: Database,
  tenantId: string,
  model: string,
  entries: { hash: string; embedding: number[] }[],
): Promise<void> {
  for (const part of chunked(entries, INSERT_CHUNK)) {
    await db
      .insert(embeddingCache)
      .values(part.map((e) => ({ tenantId, model, contentHash: e.hash, embedding: e.embedding })))
      .onConflictDoNothing();
  }
}

export interface EmbedWithCacheResult {
  vectors: Map<string, number[]>;
  /** Distinct texts sent to the embedder. */
  embedded: number;
  /** Distinct texts served from the cache. */
  reused: number;
}

/**
 * Embeds each distinct hash at most once per (tenant, model): cached vectors are reused,
 * the rest are embedded in one call and written back.
 */
export async function embedWithCache(
  db: Database,
  embedder: Embedder,
  tenantId: string,
  items: { hash: string; text: string }[],
): Promise<EmbedWithCacheResult> {
  const textByHash = new Map<string, string>();
  for (const item of items) if (!textByHash.has(item.hash)) textByHash.set(item.hash, item.text);

  const vectors = await getCachedEmbeddings(db, tenantId, embedder.model, [...textByHash.keys()]);
  const reused = vectors.size;
  const missing = [...textByHash].filter(([hash]) => !vectors.has(hash));
  if (missing.length === 0) return { vectors, embedded: 0, reused };

  const fresh = await embedder.embed(missing.map(([, text]) => text));
  const entries = missing.map(([hash], i) => ({ hash, embedding: fresh[i]! }));
  await putCachedEmbeddings(db, tenantId, embedder.model, entries);
  for (const entry of entries) vectors.set(entry.hash, entry.embedding);
  return { vectors, embedded: missing.length, reused };
}
