import type { DocumentAccess } from '../../access/visibility';

/** Metadata stored with every chunk vector. */
export interface VectorMetadata {
  documentId: string;
  version: number;
  tags?: string[];
  mimeType?: string;
  /** Who may see the document (issue #16); stores that filter by metadata keep a copy. */
  visibility?: 'private' | 'tenant';
  ownerUserId?: string | null;
}

export interface VectorRecord {
  /** The chunk id. */
  id: string;
  values: number[];
  metadata: VectorMetadata;
}

export interface VectorFilter {
  documentIds?: string[];
  /** A document matches when it carries all of these tags. */
  tags?: string[];
  mimeType?: string;
  /**
   * An end user's reach, applied inside the query before topK (never after). A scoped reach
   * (collections, tags, ownerOnly) must come with `documentIds` resolved under it.
   */
  access?: DocumentAccess;
}

export interface VectorMatch {
  id: string;
  /** Cosine similarity in [-1, 1]; higher is closer. */
  score: number;
  metadata?: VectorMetadata;
}

/**
 * Tenant-scoped vector storage. The tenant is always an explicit argument: isolation
 * comes from the store (namespace / WHERE tenant_id), never from a caller's filter.
 */
export interface VectorStore {
  upsert(tenantId: string, records: VectorRecord[]): Promise<void>;
  deleteByIds(tenantId: string, ids: string[]): Promise<void>;
  query(
    tenantId: string,
    vector: number[],
    options: { topK: number; filter?: VectorFilter },
  ): Promise<VectorMatch[]>;
}
