/**
 * Vectorize (V2) limits, from developers.cloudflare.com/vectorize/platform/limits/.
 * The store stays inside them and the in-memory index used in tests enforces them.
 */
export const VECTORIZE_LIMITS = {
  /** Vectors per upsert/insert call from a Worker (the HTTP API allows 5,000). */
  maxUpsertBatch: 1000,
  /** Ids per deleteByIds call. */
  maxDeleteBatch: 1000,
  /** topK when neither values nor full metadata are returned. */
  maxTopK: 100,
  /** topK when returnValues or returnMetadata 'all' is requested. */
  maxTopKWithData: 20,
  maxIdBytes: 64,
  maxNamespaceBytes: 64,
  maxNamespacesPerIndex: 50_000,
  maxVectorsPerIndex: 10_000_000,
  maxMetadataBytes: 10 * 1024,
  maxMetadataIndexes: 10,
  /** Serialised size of a query's metadata filter. */
  maxFilterBytes: 2048,
} as const;

export const byteLength = (text: string) => new TextEncoder().encode(text).byteLength;
