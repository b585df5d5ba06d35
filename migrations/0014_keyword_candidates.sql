-- Keyword search's candidate scan (src/retrieval/keyword.ts), as a function so that it can carry
-- its own planner setting. The candidates are a few hundred to a few thousand of the tenant's
-- chunks, found through the (tenant_id, tsv) GIN index. Costed with the default
-- random_page_cost, Postgres preferred reading the whole chunks table whenever the match looked
-- like more than ~5% of it (measured: 985 matches of 14k chunks, a sequential scan of 194 ms
-- against a bitmap scan of 7-95 ms), and a full scan is exactly the growth with the tenant this
-- path exists to avoid. EXECUTE plans each call with the actual tsquery.
-- Returns each match's tsvector cut down to the scored lexemes (every weight D, those lexemes A,
-- keep A), which is all the scoring reads.
CREATE OR REPLACE FUNCTION vellum_keyword_candidates(p_tenant uuid, p_match tsquery, p_lexemes text[])
RETURNS TABLE (id uuid, document_id uuid, version integer, content_hash text, dl double precision, tsv tsvector)
LANGUAGE plpgsql STABLE
SET enable_seqscan = off
AS $fn$
BEGIN
	RETURN QUERY EXECUTE
		'SELECT c.id, c.document_id, c.version, c.content_hash, c.token_count::float8,'
		'  ts_filter(setweight(setweight(c.tsv, ''D''), ''A'', $3), ''{a}'')'
		' FROM chunks c WHERE c.tenant_id = $1 AND c.tsv @@ $2'
		USING p_tenant, p_match, p_lexemes;
END
$fn$;
