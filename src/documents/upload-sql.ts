import { sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import { rowFromJson } from '../db/rows';
import { pgArray } from '../db/sql';
import { documents } from '../db/schema';
import type { Principal } from '../types';
import type { DocumentRow } from './repository';

/**
 * An upload's rows in ONE statement: data-modifying CTEs share one snapshot and commit or roll
 * back together, so this is as atomic as the transaction it replaces and costs one round trip
 * instead of seven. Every dependent insert selects FROM the document row written by the
 * statement, so when the dedup or the version guard leaves that row empty nothing is written.
 */

export interface UploadRow {
  documentId: string;
  r2Key: string;
  title: string;
  mimeType: string;
  byteSize: number;
  sha256: string;
  filename: string | null;
  tags: string[];
  metadata: Record<string, unknown>;
}

interface Audit {
  principal: Principal;
  requestId: string;
}

const jsonb = (value: unknown) => sql`${JSON.stringify(value)}::jsonb`;

/**
 * A first upload as document v1, unless the tenant already holds this content. Returns the new
 * row, or the existing holder of the hash (nothing written). A concurrent identical upload makes
 * the statement fail with a unique violation (23505) and write nothing.
 */
export async function insertUploadedDocument(
  db: Pick<Database, 'execute'>,
  tenantId: string,
  upload: UploadRow,
  audit: Audit,
): Promise<{ created: DocumentRow } | { existing: DocumentRow }> {
  // A user token's upload is owned by its user and private; an API key's is the tenant's.
  const owner = audit.principal.userId ?? null;
  const result = await db.execute<{
    created: Record<string, unknown> | null;
    existing: Record<string, unknown> | null;
  }>(sql`
    WITH existing AS (
      SELECT d.* FROM documents d
      WHERE d.tenant_id = ${tenantId}::uuid AND d.sha256 = ${upload.sha256}
        AND d.owner_user_id IS NOT DISTINCT FROM ${owner}::text
      LIMIT 1
    ), doc AS (
      INSERT INTO documents (id, tenant_id, title, mime_type, byte_size, sha256, current_version,
                             status, stage, tags, metadata, owner_user_id, created_by_key_id,
                             visibility)
      SELECT ${upload.documentId}::uuid, ${tenantId}::uuid, ${upload.title}, ${upload.mimeType},
             ${upload.byteSize}, ${upload.sha256}, 1, 'queued', 'queued',
             ${pgArray(upload.tags)}::text[],
             ${jsonb(upload.metadata)}, ${owner}::text, ${audit.principal.keyId}::uuid,
             ${owner === null ? 'tenant' : 'private'}
      WHERE NOT EXISTS (SELECT 1 FROM existing)
      RETURNING *
    ), version AS (
      INSERT INTO document_versions (tenant_id, document_id, version, r2_key, sha256, byte_size,
                                     mime_type, filename)
      SELECT tenant_id, id, 1, ${upload.r2Key}, sha256, byte_size, mime_type, ${upload.filename}
      FROM doc
    ), event AS (
      INSERT INTO ingestion_events (tenant_id, document_id, version, stage, status, detail)
      SELECT tenant_id, id, 1, 'upload', 'queued', ${jsonb({ bytes: upload.byteSize })} FROM doc
    ), audit AS (
      INSERT INTO audit_log (tenant_id, key_id, user_id, action, target_type, target_id,
                             request_id, after)
      SELECT tenant_id, ${audit.principal.keyId}::uuid, ${owner}::text, 'document.create',
             'document', id::text,
             ${audit.requestId},
             ${jsonb({ title: upload.title, sha256: upload.sha256, bytes: upload.byteSize, mimeType: upload.mimeType })}
      FROM doc
    )
    SELECT (SELECT row_to_json(doc) FROM doc) AS created,
           (SELECT row_to_json(existing) FROM existing) AS existing`);
  const row = result.rows[0]!;
  if (row.created) return { created: rowFromJson(documents, row.created) };
  return { existing: rowFromJson(documents, row.existing!) };
}

export type VersionOutcome =
  | { kind: 'created'; document: DocumentRow; bumped: boolean }
  /** Another document of the same owner already holds this content; nothing written. */
  | { kind: 'held'; holderId: string }
  /** `current_version` moved on since it was read (a concurrent upload); nothing written. */
  | { kind: 'raced' };

/**
 * Version `version` of `current` in one statement, guarded by `current_version = version - 1`.
 * The tenant's corpus version is bumped only when the change is visible to search: the document
 * is served (older versions keep serving until this one is ready) and its type changes (the type
 * filter reads `documents.mime_type`).
 */
export async function insertUploadedVersion(
  db: Pick<Database, 'execute'>,
  current: DocumentRow,
  version: number,
  upload: Omit<UploadRow, 'documentId' | 'title' | 'tags' | 'metadata'>,
  audit: Audit,
): Promise<VersionOutcome> {
  const tenantId = current.tenantId;
  const result = await db.execute<{
    updated: Record<string, unknown> | null;
    holder: string | null;
    bumped: boolean;
  }>(sql`
    WITH holder AS (
      SELECT d.id FROM documents d
      WHERE d.tenant_id = ${tenantId}::uuid AND d.sha256 = ${upload.sha256}
        AND d.owner_user_id IS NOT DISTINCT FROM ${current.ownerUserId}::text
      LIMIT 1
    ), doc AS (
      UPDATE documents SET
        current_version = ${version}, sha256 = ${upload.sha256}, byte_size = ${upload.byteSize},
        mime_type = ${upload.mimeType}, status = 'queued', stage = 'queued',
        failure_reason = NULL, chunks_done = 0, chunks_total = NULL, updated_at = now()
      WHERE tenant_id = ${tenantId}::uuid AND id = ${current.id}::uuid
        AND current_version = ${version - 1} AND NOT EXISTS (SELECT 1 FROM holder)
      RETURNING *
    ), version AS (
      INSERT INTO document_versions (tenant_id, document_id, version, r2_key, sha256, byte_size,
                                     mime_type, filename)
      SELECT tenant_id, id, ${version}, ${upload.r2Key}, sha256, byte_size, mime_type,
             ${upload.filename}
      FROM doc
    ), event AS (
      INSERT INTO ingestion_events (tenant_id, document_id, version, stage, status, detail)
      SELECT tenant_id, id, ${version}, 'upload', 'queued', ${jsonb({ bytes: upload.byteSize })}
      FROM doc
    ), audit AS (
      INSERT INTO audit_log (tenant_id, key_id, user_id, action, target_type, target_id,
                             request_id, before, after)
      SELECT tenant_id, ${audit.principal.keyId}::uuid, ${audit.principal.userId ?? null}::text,
             'document.version.create', 'document',
             id::text, ${audit.requestId},
             ${jsonb({ version: current.currentVersion, sha256: current.sha256 })},
             ${jsonb({ version, sha256: upload.sha256, bytes: upload.byteSize })}
      FROM doc
    ), bump AS (
      UPDATE tenants SET corpus_version = corpus_version + 1
      WHERE id = ${tenantId}::uuid AND EXISTS (
        SELECT 1 FROM doc
        WHERE doc.ready_version IS NOT NULL AND ${current.mimeType}::text IS DISTINCT FROM doc.mime_type)
      RETURNING 1
    )
    SELECT (SELECT row_to_json(doc) FROM doc) AS updated,
           (SELECT id::text FROM holder) AS holder,
           EXISTS (SELECT 1 FROM bump) AS bumped`);
  const row = result.rows[0]!;
  if (row.updated)
    return { kind: 'created', document: rowFromJson(documents, row.updated), bumped: row.bumped };
  if (row.holder) return { kind: 'held', holderId: row.holder };
  return { kind: 'raced' };
}
