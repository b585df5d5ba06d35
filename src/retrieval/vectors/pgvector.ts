import { sql } from 'drizzle-orm';
import { scopeCollectionIds } from '../../access/visibility';
import type { Database } from '../../db/client';
import { chunked, assertVector } from './validate';
import type { VectorFilter, VectorMatch, VectorRecord, VectorStore } from './vector-store';

/** Rows per UPDATE ... FROM (VALUES ...): ~8 KB of vector text each keeps a statement ~2 MB. */
const UPSERT_BATCH = 250;
const DELETE_BATCH = 1000;

const vectorLiteral = (values: number[]) => `[${values.join(',')}]`;

/**
 * Up to this many qualifying chunks, the leg sorts them by exact distance instead of walking
 * HNSW: measured in docs/retrieval.md ("The pgvector leg").
 */
export const EXACT_SCAN_MAX_ROWS = 2000;

interface MatchRow {
  id: string;
  document_id: string;
  version: number;
  tags: string[];
  mime_type: string;
  score: number | string;
}

/**
 * Vectors in Postgres: the `chunks.embedding` column with its HNSW cosine index. Every
 * statement is constrained by tenant_id, and queries only see each document's served
 * version (`chunks.version = documents.ready_version`), applied before topK is cut.
 */
export class PgVectorStore implements VectorStore {
  private readonly exactScanMaxRows: number;

  constructor(
    private readonly db: Database,
    options: { exactScanMaxRows?: number } = {},
  ) {
    this.exactScanMaxRows = options.exactScanMaxRows ?? EXACT_SCAN_MAX_ROWS;
  }

  async upsert(tenantId: string, records: VectorRecord[]): Promise<void> {
    for (const record of records) assertVector(record.values);
    for (const batch of chunked(records, UPSERT_BATCH)) {
      const values = sql.join(
        batch.map((r) => sql`(${r.id}::uuid, ${vectorLiteral(r.values)}::vector)`),
        sql`, `,
      );
      await this.db.execute(sql`
        UPDATE chunks AS c SET embedding = v.embedding
        FROM (VALUES ${values}) AS v(id, embedding)
        WHERE c.tenant_id = ${tenantId}::uuid AND c.id = v.id`);
    }
  }

  async deleteByIds(tenantId: string, ids: string[]): Promise<void> {
    for (const batch of chunked(ids, DELETE_BATCH)) {
      await this.db.execute(sql`
        UPDATE chunks SET embedding = NULL
        WHERE tenant_id = ${tenantId}::uuid AND id = ANY(${toTextArray(batch)}::uuid[])`);
    }
  }

  async query(
    tenantId: string,
    vector: number[],
    options: { topK: number; filter?: VectorFilter },
  ): Promise<VectorMatch[]> {
    assertVector(vector);
    const topK = Math.max(0, Math.floor(options.topK));
    if (topK === 0) return [];
    const filter = options.filter ?? {};
    if (filter.documentIds && filter.documentIds.length === 0) return [];
    const documentIds = filter.documentIds ? toTextArray(filter.documentIds) : null;
    const tags = filter.tags?.length ? toTextArray(filter.tags) : null;
    const access = filter.access;
    const scopeCollections = access ? scopeCollectionIds(access) : undefined;

    // One statement: vellum_nearest_chunks_v2 (migrations/0004_vector_leg.sql, 0009_ownership.sql)
    // picks an exact scan or an iterative HNSW scan, so every tenant gets its full topK whatever
    // its share, and applies a user's reach inside that scan.
    const result = await this.db.execute<Record<string, unknown>>(sql`
      SELECT id, document_id, version, tags, mime_type, 1 - distance AS score
      FROM vellum_nearest_chunks_v2(${tenantId}::uuid, ${vectorLiteral(vector)}::vector,
        ${topK}::int, ${this.exactScanMaxRows}::int, ${documentIds}::uuid[], ${tags}::text[],
        ${filter.mimeType ?? null}::text, ${access?.userId ?? null}::text,
        ${scopeCollections ? toTextArray(scopeCollections) : null}::uuid[],
        ${access?.tags ? toTextArray(access.tags) : null}::text[],
        ${access?.ownerOnly ?? false}::boolean)`);
    return (result.rows as unknown as MatchRow[]).map((row) => ({
      id: row.id,
      score: Number(row.score),
      metadata: {
        documentId: row.document_id,
        version: row.version,
        tags: row.tags,
        mimeType: row.mime_type,
      },
    }));
  }
}

/** A Postgres array literal, so a list binds as one parameter whatever its length. */
function toTextArray(values: string[]): string {
  return `{${values.map((v) => `"${v.replace(/["\\]/g, '\\$&')}"`).join(',')}}`;
}
