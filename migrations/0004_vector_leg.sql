-- The vector leg in one statement (docs/retrieval.md, "The pgvector leg"). HNSW applies the
-- tenant and served-version filters after its scan, and with hnsw.ef_search at 40 a tenant that
-- holds a small share of the table got fewer than topK chunks, often none. So:
--   * when at most p_exact_rows chunks qualify, they are read through the btree on tenant_id
--     (or the document ids) and sorted by exact distance: complete, and cheap at that size;
--   * otherwise HNSW runs with iterative scans, which keep scanning until topK rows pass the
--     filters, with a scan budget wide enough for the smallest share that takes this branch.
-- The settings live in the function's SET clauses (set_config inside is undone at exit too), so
-- they hold for this call only and cost no round trip; EXECUTE plans each query afresh.
CREATE OR REPLACE FUNCTION vellum_nearest_chunks(
	p_tenant uuid,
	p_query vector,
	p_k integer,
	p_exact_rows integer,
	p_document_ids uuid[] DEFAULT NULL,
	p_tags text[] DEFAULT NULL,
	p_mime_type text DEFAULT NULL
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

	EXECUTE format('SELECT count(*) FROM (SELECT 1 %s LIMIT %s) s', served, p_exact_rows + 1)
		INTO candidates
		USING p_tenant, p_query, p_k, p_exact_rows, p_document_ids, p_tags, p_mime_type;

	IF candidates <= p_exact_rows THEN
		-- MATERIALIZED keeps the planner from ordering through HNSW: these rows are sorted exactly.
		RETURN QUERY EXECUTE format(
			'WITH rows AS MATERIALIZED ('
			'  SELECT c.id, c.document_id, c.version, d.tags, d.mime_type, c.embedding %s)'
			' SELECT r.id, r.document_id, r.version, r.tags, r.mime_type,'
			'   (r.embedding <=> $2)::double precision AS distance'
			' FROM rows r ORDER BY distance, r.id LIMIT %s',
			served, p_k)
			USING p_tenant, p_query, p_k, p_exact_rows, p_document_ids, p_tags, p_mime_type;
		RETURN;
	END IF;

	-- More than p_exact_rows qualify: if that is a share s of the table, the scan meets about
	-- s * tuples matches, so allow 4 * k / s tuples for the smallest share that gets here.
	SELECT greatest(reltuples, 0) INTO table_rows FROM pg_class WHERE oid = 'chunks'::regclass;
	PERFORM set_config(
		'hnsw.max_scan_tuples',
		greatest(20000, least(2000000000, ceil(4.0 * p_k * table_rows / greatest(p_exact_rows, 1))))::bigint::text,
		true);
	-- Many rows qualify, so the order must come from HNSW: without statistics (PGlite runs no
	-- autovacuum) the planner would read and sort every one of the tenant's rows instead.
	PERFORM set_config('enable_sort', 'off', true);
	-- Relaxed order returns hits slightly out of order; the outer sort restores exact order.
	RETURN QUERY EXECUTE format(
		'WITH hits AS MATERIALIZED ('
		'  SELECT c.id, c.document_id, c.version, d.tags, d.mime_type,'
		'    (c.embedding <=> $2)::double precision AS distance %s'
		'  ORDER BY c.embedding <=> $2 LIMIT %s)'
		' SELECT h.id, h.document_id, h.version, h.tags, h.mime_type, h.distance'
		' FROM hits h ORDER BY h.distance, h.id',
		served, p_k)
		USING p_tenant, p_query, p_k, p_exact_rows, p_document_ids, p_tags, p_mime_type;
END
$fn$;
