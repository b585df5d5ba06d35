-- Impact-ordered postings lists (src/retrieval/keyword.ts, docs/retrieval.md "Postings"): each
-- (tenant, lexeme) list is kept best-first, so a query on a large tenant can read the head of a
-- long list (its highest-impact postings) and stop, at a cost set by its read budget instead of
-- the tenant's size.
--
-- `imp` is BM25's tf factor, tf·(k1+1) / (tf + k1·(1 − b + b·dl/400)), times 10,000 and rounded
-- (k1 = 1.2, b = 0.75: 22000·tf / (tf + 0.3 + 0.9·dl/400)). 400 tokens is the chunker's target
-- length, standing in for avgdl: the order then depends on (tf, dl) alone, so a writer, a delete
-- and the repair compute the same key without reading the tenant's statistics. Scores are still
-- computed from tf and dl at the tenant's avgdl; the reference only decides which of two
-- postings with different tf and length is read first (for equal tf, shorter is first at any
-- avgdl, up to the rounding of imp). Generated, so every writer of the table (the bench's copies too) gets it.
--
-- Adding a stored generated column rewrites the table under an exclusive lock, and the index is
-- built inside the migration's transaction: keyword search waits on keyword_postings until the
-- commit. Fine at the sizes deployed so far; a large deployment would build a new table beside it
-- and swap (docs/retrieval.md, "The read budget").
ALTER TABLE "keyword_postings" ADD COLUMN IF NOT EXISTS "imp" smallint
	GENERATED ALWAYS AS (round(22000.0 * "tf" / ("tf" + 0.3 + 0.9 * "dl" / 400.0))::smallint) STORED NOT NULL;
--> statement-breakpoint
-- The list index in impact order. It still carries tf and dl, so reading a list's head is an
-- index-only scan that stops at its LIMIT, and a posting is still deleted by its full key
-- (tenant, lexeme, imp, chunk_id), imp computed from the chunk's tf and length.
CREATE UNIQUE INDEX IF NOT EXISTS "keyword_postings_impact_idx" ON "keyword_postings" USING btree ("tenant_id", "lexeme", "imp" DESC, "chunk_id") INCLUDE ("tf", "dl");
--
-- The previous index, (tenant_id, lexeme, chunk_id), stays for now: the release before this one
-- upserts on it (the daily repair's ON CONFLICT) and deletes postings by that key, and it runs
-- against this schema during a deploy and after a rollback. A later migration drops it once no
-- release before 0017 can run; until then it costs its storage and its writes.
