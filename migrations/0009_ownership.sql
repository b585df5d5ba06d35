-- Ownership, sharing and collections (issue #16, items 3 and 4; docs/access.md).
-- A document records who created it: the end user of a user token (owner_user_id) and the key
-- (created_by_key_id). Key uploads stay `tenant` (today's behaviour); a user's upload is
-- `private` to them. Rows written before this migration are tenant-visible with no owner.
ALTER TABLE "documents" ADD COLUMN "owner_user_id" text;--> statement-breakpoint
ALTER TABLE "documents" ADD COLUMN "created_by_key_id" uuid;--> statement-breakpoint
ALTER TABLE "documents" ADD COLUMN "visibility" text DEFAULT 'tenant' NOT NULL;--> statement-breakpoint
ALTER TABLE "documents" ADD CONSTRAINT "documents_visibility_check" CHECK ("visibility" IN ('private', 'tenant'));--> statement-breakpoint
-- Dedup by content was tenant-wide, so a user uploading bytes another user holds privately would
-- have been handed that document. It is now per owner (keys share the NULL owner, as before).
DROP INDEX IF EXISTS "documents_tenant_sha_idx";--> statement-breakpoint
CREATE UNIQUE INDEX "documents_tenant_owner_sha_idx" ON "documents" ("tenant_id", "owner_user_id", "sha256") NULLS NOT DISTINCT;--> statement-breakpoint
CREATE INDEX "documents_tenant_owner_idx" ON "documents" ("tenant_id", "owner_user_id") WHERE "owner_user_id" IS NOT NULL;--> statement-breakpoint

ALTER TABLE "conversations" ADD COLUMN "owner_user_id" text;--> statement-breakpoint
ALTER TABLE "conversations" ADD COLUMN "created_by_key_id" uuid;--> statement-breakpoint
CREATE INDEX "conversations_tenant_owner_idx" ON "conversations" ("tenant_id", "owner_user_id", "updated_at", "id");--> statement-breakpoint

-- Audit rows name the end user too, so a user token reads only its own entries.
ALTER TABLE "audit_log" ADD COLUMN "user_id" text;--> statement-breakpoint
CREATE INDEX "audit_log_tenant_user_idx" ON "audit_log" ("tenant_id", "user_id", "id") WHERE "user_id" IS NOT NULL;--> statement-breakpoint

CREATE TABLE "collections" (
	"id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL REFERENCES "tenants"("id") ON DELETE CASCADE,
	"name" text NOT NULL,
	"owner_user_id" text,
	"created_by_key_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);--> statement-breakpoint
CREATE INDEX "collections_tenant_idx" ON "collections" ("tenant_id", "created_at", "id");--> statement-breakpoint

CREATE TABLE "collection_documents" (
	"collection_id" uuid NOT NULL REFERENCES "collections"("id") ON DELETE CASCADE,
	"document_id" uuid NOT NULL REFERENCES "documents"("id") ON DELETE CASCADE,
	"tenant_id" uuid NOT NULL REFERENCES "tenants"("id") ON DELETE CASCADE,
	"added_at" timestamp with time zone DEFAULT now() NOT NULL,
	PRIMARY KEY ("collection_id", "document_id")
);--> statement-breakpoint
CREATE INDEX "collection_documents_document_idx" ON "collection_documents" ("document_id", "collection_id");--> statement-breakpoint

CREATE TABLE "collection_members" (
	"collection_id" uuid NOT NULL REFERENCES "collections"("id") ON DELETE CASCADE,
	"user_id" text NOT NULL,
	"tenant_id" uuid NOT NULL REFERENCES "tenants"("id") ON DELETE CASCADE,
	"added_at" timestamp with time zone DEFAULT now() NOT NULL,
	PRIMARY KEY ("collection_id", "user_id")
);--> statement-breakpoint
CREATE INDEX "collection_members_user_idx" ON "collection_members" ("tenant_id", "user_id", "collection_id");--> statement-breakpoint

-- The vector leg of 0004 with the caller's reach applied inside the query, before topK:
-- p_user NULL (an API key) sees the tenant; otherwise a document qualifies when it is shared with
-- the tenant, owned by p_user, or in a collection p_user belongs to, and then also matches the
-- token's scope (p_scope_collections, p_scope_tags: any of them, p_owner_only). vellum_nearest_chunks
-- stays for workers still running the previous release during a deploy.
CREATE OR REPLACE FUNCTION vellum_nearest_chunks_v2(
	p_tenant uuid,
	p_query vector,
	p_k integer,
	p_exact_rows integer,
	p_document_ids uuid[] DEFAULT NULL,
	p_tags text[] DEFAULT NULL,
	p_mime_type text DEFAULT NULL,
	p_user text DEFAULT NULL,
	p_scope_collections uuid[] DEFAULT NULL,
	p_scope_tags text[] DEFAULT NULL,
	p_owner_only boolean DEFAULT false
) RETURNS TABLE (
	id uuid,
	document_id uuid,
	version integer,
	tags text[],
	mime_type text,
	distance double precision
)
LANGUAGE plpgsql STABLE
SET hnsw.iterative_scan = 'relaxed_order'
SET hnsw.max_scan_tuples = '20000'
SET enable_sort = on
AS $fn$
DECLARE
	served text := 'FROM chunks c JOIN documents d ON d.id = c.document_id'
		' WHERE c.tenant_id = $1 AND d.tenant_id = $1 AND c.version = d.ready_version'
		' AND c.embedding IS NOT NULL';
	candidates integer;
	table_rows double precision;
BEGIN
	IF p_k IS NULL OR p_k < 1 THEN
		RETURN;
	END IF;
	IF p_document_ids IS NOT NULL THEN
		served := served || ' AND c.document_id = ANY($5)';
	END IF;
	IF p_tags IS NOT NULL THEN
		served := served || ' AND d.tags @> $6';
	END IF;
	IF p_mime_type IS NOT NULL THEN
		served := served || ' AND d.mime_type = $7';
	END IF;
	IF p_user IS NOT NULL THEN
		served := served || ' AND (d.visibility = ''tenant'' OR d.owner_user_id = $8 OR EXISTS ('
			'SELECT 1 FROM collection_documents cd JOIN collection_members cm'
			' ON cm.collection_id = cd.collection_id AND cm.user_id = $8'
			' WHERE cd.document_id = d.id AND cd.tenant_id = $1))';
		IF p_scope_collections IS NOT NULL THEN
			served := served || ' AND EXISTS (SELECT 1 FROM collection_documents sc'
				' WHERE sc.document_id = d.id AND sc.collection_id = ANY($9))';
		END IF;
		IF p_scope_tags IS NOT NULL THEN
			served := served || ' AND d.tags && $10';
		END IF;
		IF p_owner_only THEN
			served := served || ' AND d.owner_user_id = $8';
		END IF;
	END IF;

	EXECUTE format('SELECT count(*) FROM (SELECT 1 %s LIMIT %s) s', served, p_exact_rows + 1)
		INTO candidates
		USING p_tenant, p_query, p_k, p_exact_rows, p_document_ids, p_tags, p_mime_type,
			p_user, p_scope_collections, p_scope_tags, p_owner_only;

	IF candidates <= p_exact_rows THEN
		RETURN QUERY EXECUTE format(
			'WITH rows AS MATERIALIZED ('
			'  SELECT c.id, c.document_id, c.version, d.tags, d.mime_type, c.embedding %s)'
			' SELECT r.id, r.document_id, r.version, r.tags, r.mime_type,'
			'   (r.embedding <=> $2)::double precision AS distance'
			' FROM rows r ORDER BY distance, r.id LIMIT %s',
			served, p_k)
			USING p_tenant, p_query, p_k, p_exact_rows, p_document_ids, p_tags, p_mime_type,
				p_user, p_scope_collections, p_scope_tags, p_owner_only;
		RETURN;
	END IF;

	SELECT greatest(reltuples, 0) INTO table_rows FROM pg_class WHERE oid = 'chunks'::regclass;
	PERFORM set_config(
		'hnsw.max_scan_tuples',
		greatest(20000, least(2000000000, ceil(4.0 * p_k * table_rows / greatest(p_exact_rows, 1))))::bigint::text,
		true);
	PERFORM set_config('enable_sort', 'off', true);
	RETURN QUERY EXECUTE format(
		'WITH hits AS MATERIALIZED ('
		'  SELECT c.id, c.document_id, c.version, d.tags, d.mime_type,'
		'    (c.embedding <=> $2)::double precision AS distance %s'
		'  ORDER BY c.embedding <=> $2 LIMIT %s)'
		' SELECT h.id, h.document_id, h.version, h.tags, h.mime_type, h.distance'
		' FROM hits h ORDER BY h.distance, h.id',
		served, p_k)
		USING p_tenant, p_query, p_k, p_exact_rows, p_document_ids, p_tags, p_mime_type,
			p_user, p_scope_collections, p_scope_tags, p_owner_only;
END
$fn$;
