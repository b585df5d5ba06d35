import { sha256Hex } from '../../crypto/hash';
import { byteLength, VECTORIZE_LIMITS as LIMITS } from './limits';
import { assertVector, chunked } from './validate';
import type { DocumentAccess } from '../../access/visibility';
import type {
  VectorFilter,
  VectorMatch,
  VectorMetadata,
  VectorRecord,
  VectorStore,
} from './vector-store';

/** Metadata properties the index needs metadata indexes for (create them before inserting). */
export const VECTORIZE_METADATA_INDEXES = ['documentId', 'mimeType', 'version', 'access'] as const;

/** Resolves tag filters to the tenant's matching document ids (tags are arrays, not indexable). */
export type TagResolver = (tenantId: string, tags: string[]) => Promise<string[]>;

/**
 * The served documents a user reaches only through their collections (private, not theirs).
 * Membership is a many-to-many relation no metadata filter can express, so it is read from
 * Postgres and queried by document id.
 */
export type CollectionResolver = (tenantId: string, userId: string) => Promise<string[]>;

export interface VectorizeStoreOptions {
  resolveTags?: TagResolver;
  resolveCollections?: CollectionResolver;
}

/**
 * The `access` metadata of a vector: `tenant` for a document shared with the tenant, `u:<hash>`
 * for one private to its owner, `none` for a private one without owner (collections only).
 * Vectorize indexes the first 64 bytes of a string, so user ids (any length) are hashed.
 */
export async function accessTag(
  metadata: Pick<VectorMetadata, 'visibility' | 'ownerUserId'>,
): Promise<string | undefined> {
  if (metadata.visibility === 'tenant') return 'tenant';
  if (metadata.visibility !== 'private') return undefined;
  return metadata.ownerUserId ? userAccessTag(metadata.ownerUserId) : 'none';
}

export async function userAccessTag(userId: string): Promise<string> {
  return `u:${(await sha256Hex(userId)).slice(0, 32)}`;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A UUID as 22 base64url characters, so a tenant prefix plus a UUID chunk id fits 64 bytes. */
function compactTenant(tenantId: string): string {
  if (!UUID.test(tenantId)) return tenantId;
  const hex = tenantId.replace(/-/g, '');
  let binary = '';
  for (let i = 0; i < 32; i += 2) binary += String.fromCharCode(parseInt(hex.slice(i, i + 2), 16));
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/**
 * Vectorize ids are global to an index and deleteByIds/upsert take no namespace, so ids
 * carry the tenant: one tenant can never overwrite or delete another tenant's vector.
 */
export function vectorIdFor(tenantId: string, chunkId: string): string {
  const id = `${compactTenant(tenantId)}.${chunkId}`;
  if (byteLength(id) > LIMITS.maxIdBytes) throw new Error(`vector id exceeds 64 bytes: ${id}`);
  return id;
}

/**
 * Vectors in Cloudflare Vectorize. Isolation: every vector is written to and queried in the
 * namespace `tenantId` and its id is tenant-prefixed; no caller filter can widen a query.
 *
 * Served versions: a query cannot say "each document's ready version" in one filter, so
 * stale versions are removed instead — when a new version becomes ready, the ingest
 * consumer deletes the previous version's vectors (by chunk id). Until that delete lands,
 * a query may briefly return chunks of both versions; callers hydrating chunks from
 * Postgres drop those whose version is not the document's ready_version.
 */
export class VectorizeStore implements VectorStore {
  private readonly indexFor: (tenantId: string) => VectorizeIndex;

  constructor(
    index: VectorizeIndex | ((tenantId: string) => VectorizeIndex),
    private readonly options: VectorizeStoreOptions = {},
  ) {
    this.indexFor = typeof index === 'function' ? index : () => index;
  }

  async upsert(tenantId: string, records: VectorRecord[]): Promise<void> {
    checkNamespace(tenantId);
    const vectors = await Promise.all(
      records.map(async (r): Promise<VectorizeVector> => {
        assertVector(r.values);
        const metadata: Record<string, VectorizeVectorMetadata> = {
          documentId: r.metadata.documentId,
          version: r.metadata.version,
        };
        if (r.metadata.tags?.length) metadata.tags = r.metadata.tags;
        if (r.metadata.mimeType) metadata.mimeType = r.metadata.mimeType;
        const access = await accessTag(r.metadata);
        if (access) metadata.access = access;
        return { id: vectorIdFor(tenantId, r.id), values: r.values, namespace: tenantId, metadata };
      }),
    );
    const index = this.indexFor(tenantId);
    for (const batch of chunked(vectors, LIMITS.maxUpsertBatch)) await index.upsert(batch);
  }

  async deleteByIds(tenantId: string, ids: string[]): Promise<void> {
    checkNamespace(tenantId);
    const index = this.indexFor(tenantId);
    const vectorIds = ids.map((id) => vectorIdFor(tenantId, id));
    for (const batch of chunked(vectorIds, LIMITS.maxDeleteBatch)) await index.deleteByIds(batch);
  }

  async query(
    tenantId: string,
    vector: number[],
    options: { topK: number; filter?: VectorFilter },
  ): Promise<VectorMatch[]> {
    checkNamespace(tenantId);
    assertVector(vector);
    const topK = Math.min(Math.floor(options.topK), LIMITS.maxTopK);
    if (!(topK >= 1)) return [];
    const filter = options.filter ?? {};

    let documentIds = filter.documentIds;
    if (filter.tags?.length) {
      if (!this.options.resolveTags) throw new Error('tag filters need a tag resolver');
      const tagged = await this.options.resolveTags(tenantId, filter.tags);
      documentIds = documentIds ? tagged.filter((id) => documentIds!.includes(id)) : tagged;
    }
    if (documentIds && documentIds.length === 0) return [];

    const index = this.indexFor(tenantId);
    const prefix = `${compactTenant(tenantId)}.`;
    const filters = filter.access
      ? await this.accessFilters(tenantId, filter.access, documentIds, filter.mimeType)
      : buildFilters(documentIds, filter.mimeType);
    if (filters.length === 0) return [];
    const results = await Promise.all(
      filters.map((f) =>
        index.query(vector, {
          topK,
          namespace: tenantId,
          returnMetadata: 'indexed',
          ...(f && { filter: f }),
        }),
      ),
    );
    const seen = new Set<string>();
    return results
      .flatMap((r) => r.matches)
      .filter((m) => m.id.startsWith(prefix) && !seen.has(m.id) && !!seen.add(m.id))
      .sort((a, b) => b.score - a.score)
      .slice(0, topK)
      .map((m) => ({ id: m.id.slice(prefix.length), score: m.score, metadata: toMetadata(m) }));
  }

  /**
   * A user's reach as metadata filters, each applied by Vectorize before its topK: one query for
   * what is shared with the tenant or owned by the user (the `access` metadata), and queries by
   * id for what reaches them only through collections. The merged top topK is then exact.
   */
  private async accessFilters(
    tenantId: string,
    access: DocumentAccess,
    documentIds: string[] | undefined,
    mimeType: string | undefined,
  ): Promise<VectorizeVectorMetadataFilter[]> {
    if ((access.collections || access.tags || access.ownerOnly) && !documentIds) {
      throw new Error('a scoped reach needs the document ids resolved under it');
    }
    if (!this.options.resolveCollections) throw new Error('user reach needs a collection resolver');
    const [mine, viaCollections] = await Promise.all([
      userAccessTag(access.userId),
      this.options.resolveCollections(tenantId, access.userId),
    ]);
    const shared = { access: { $in: ['tenant', mine] } };
    const allowed = documentIds ? new Set(documentIds) : undefined;
    const byId = allowed ? viaCollections.filter((id) => allowed.has(id)) : viaCollections;
    return [
      ...buildFilters(documentIds, mimeType, shared),
      ...(byId.length ? buildFilters(byId, mimeType) : []),
    ].filter((f): f is VectorizeVectorMetadataFilter => f !== undefined);
  }
}

function checkNamespace(tenantId: string): void {
  if (!tenantId) throw new Error('tenantId is required');
  if (byteLength(tenantId) > LIMITS.maxNamespaceBytes) {
    throw new Error(`tenant id exceeds the ${LIMITS.maxNamespaceBytes}-byte namespace limit`);
  }
}

/**
 * One filter per query; a long documentIds list is split so each filter stays under the
 * serialised-size limit, and the per-group results are merged by score.
 */
function buildFilters(
  documentIds: string[] | undefined,
  mimeType: string | undefined,
  extra: VectorizeVectorMetadataFilter = {},
): (VectorizeVectorMetadataFilter | undefined)[] {
  const base: VectorizeVectorMetadataFilter = {
    ...extra,
    ...(mimeType ? { mimeType: { $eq: mimeType } } : {}),
  };
  if (!documentIds) return [Object.keys(base).length ? base : undefined];
  const groups: string[][] = [];
  let current: string[] = [];
  for (const id of new Set(documentIds)) {
    const next = [...current, id];
    if (
      current.length &&
      byteLength(JSON.stringify({ ...base, documentId: { $in: next } })) > LIMITS.maxFilterBytes
    ) {
      groups.push(current);
      current = [id];
    } else {
      current = next;
    }
  }
  if (current.length) groups.push(current);
  return groups.map((ids) => ({ ...base, documentId: { $in: ids } }));
}

function toMetadata(match: VectorizeMatch): VectorMetadata | undefined {
  const m = match.metadata;
  if (!m || typeof m.documentId !== 'string') return undefined;
  const metadata: VectorMetadata = { documentId: m.documentId, version: Number(m.version) };
  if (typeof m.mimeType === 'string') metadata.mimeType = m.mimeType;
  return metadata;
}
