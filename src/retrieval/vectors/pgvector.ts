import { sql, type SQL } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { chunked, assertVector } from './validate';
import type { VectorFilter, VectorMatch, VectorRecord, VectorStore } from './vector-store';

/** Rows per UPDATE ... FROM (VALUES ...): ~8 KB of vector text each keeps a statement ~2 MB. */
const UPSERT_BATCH = 250;
const DELETE_BATCH = 1000;

const vectorLiteral = (values: number[]) => `[${values.join(',')}]`;

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
 * version (`chunks.version = documents.ready_version`).
 */
export class PgVectorStore implements VectorStore {
  constructor(private readonly db: Database) {}

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
    const queryVector = vectorLiteral(vector);
    const conditions: SQL[] = [
      sql`c.tenant_id = ${tenantId}::uuid`,
      sql`d.tenant_id = ${tenantId}::uuid`,
      sql`c.version = d.ready_version`,
      sql`c.embedding IS NOT NULL`,
    ];
    const filter = options.filter ?? {};
    if (filter.documentIds) {
      if (filter.documentIds.length === 0) return [];
      conditions.push(sql`c.document_id = ANY(${toTextArray(filter.documentIds)}::uuid[])`);
    }
    if (filter.tags?.length) conditions.push(sql`d.tags @> ${toTextArray(filter.tags)}::text[]`);
    if (filter.mimeType) conditions.push(sql`d.mime_type = ${filter.mimeType}`);

    const result = await this.db.execute<Record<string, unknown>>(sql`
      SELECT c.id, c.document_id, c.version, d.tags, d.mime_type,
             1 - (c.embedding <=> ${queryVector}::vector) AS score
      FROM chunks c JOIN documents d ON d.id = c.document_id
      WHERE ${sql.join(conditions, sql` AND `)}
      ORDER BY c.embedding <=> ${queryVector}::vector
      LIMIT ${topK}`);
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
