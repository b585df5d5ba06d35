-- Keyword search's candidate scan (vellum_keyword_candidates, migration 0014) is meant to find a
-- tenant's matching chunks through the (tenant_id, tsv) GIN index. With the btree on
-- (tenant_id, document_id, version) also present, the planner costed the GIN's tenant entry (a
-- posting list as long as the tenant) above reading the tenant's rows through the btree and
-- filtering `tsv @@ q` on each, and chose the btree for tenants up to ~20k chunks. That is a read
-- of every chunk of the tenant per scan: measured in-process at 10k chunks, 34-40 ms against
-- 3-5 ms through the GIN for the same 500-5,000 matches, and 10-17 ms against 2-5 ms at 3k.
-- No setting that a function can carry steers between two bitmap scans (cpu_operator_cost and
-- random_page_cost were tried), so the btree goes:
--   * lookups by document use chunks_doc_version_ordinal_idx (document_id, version, ordinal);
--   * tenant-wide reads (the vector leg's exact path, the BM25 recompute) use the GIN, which
--     btree_gin lets answer `tenant_id = $1` on its own.
-- The drop takes an exclusive lock on chunks: fail fast (and retry the deploy) rather than queue
-- every chunk query behind a long reader such as the daily BM25 recompute.
SET LOCAL lock_timeout = '5s';
--> statement-breakpoint
DROP INDEX IF EXISTS "chunks_tenant_idx";
