-- Postings for keyword search (src/retrieval/keyword.ts, docs/retrieval.md "Postings"): one
-- row per served chunk and lexeme of its tsvector, with the lexeme's tf and the chunk's length.
-- That is all BM25 needs, so a query sums each matching chunk's exact score from the query
-- terms' lists, narrow index tuples, and reads chunk rows only for its top k; the GIN path read
-- a row and a tsvector for every candidate. Kept in the same transaction as bm25_df
-- (bm25-stats.ts), so the lists hold exactly the served chunks.
CREATE TABLE IF NOT EXISTS "keyword_postings" (
	"tenant_id" uuid NOT NULL,
	"lexeme" text NOT NULL,
	"chunk_id" uuid NOT NULL,
	"tf" smallint NOT NULL,
	"dl" integer NOT NULL
);
--> statement-breakpoint
-- What the postings cover, beside what the statistics count (bm25_corpus.n, total_tokens). Only
-- code that writes postings moves these, so while a release that does not (the previous one,
-- during a deploy or after a rollback) promotes or deletes, the pairs differ and keyword search
-- keeps to the GIN path for that tenant until the daily recompute has repaired its postings.
ALTER TABLE "bm25_corpus" ADD COLUMN IF NOT EXISTS "postings_n" bigint DEFAULT 0 NOT NULL;
--> statement-breakpoint
ALTER TABLE "bm25_corpus" ADD COLUMN IF NOT EXISTS "postings_tokens" bigint DEFAULT 0 NOT NULL;
--> statement-breakpoint
-- The only index: a list is read by (tenant, lexeme), a posting deleted by its key. It carries
-- tf and dl, so reading a list needs no heap column the index does not hold. Built before the
-- backfill (slower to fill) so that nothing is left to do after the corpus rows are locked below.
CREATE UNIQUE INDEX IF NOT EXISTS "keyword_postings_list_idx" ON "keyword_postings" USING btree ("tenant_id", "lexeme", "chunk_id") INCLUDE ("tf", "dl");
--> statement-breakpoint
-- Backfill from what is served now, and record what it covers, in ONE statement: one snapshot,
-- so a promotion committed meanwhile (by the previous release, which writes no postings) shows
-- as N differing from postings_n, and keyword search keeps that tenant on the GIN path until the
-- daily recompute. The corpus rows this locks stay locked only until the commit, which follows.
WITH served AS (
	SELECT c.tenant_id, c.id, c.token_count, c.tsv
	FROM chunks c
	JOIN documents d ON d.id = c.document_id AND d.tenant_id = c.tenant_id AND c.version = d.ready_version
), filled AS (
	INSERT INTO "keyword_postings" ("tenant_id", "lexeme", "chunk_id", "tf", "dl")
	SELECT s.tenant_id, u.lexeme, s.id, coalesce(array_length(u.positions, 1), 1), s.token_count
	FROM served s CROSS JOIN LATERAL unnest(s.tsv) AS u
)
UPDATE "bm25_corpus" b SET "postings_n" = t.n, "postings_tokens" = t.tokens
FROM (SELECT tenant_id, count(*) AS n, coalesce(sum(token_count), 0) AS tokens FROM served GROUP BY tenant_id) t
WHERE b.tenant_id = t.tenant_id;
--> statement-breakpoint
-- Last, and NOT VALID: the foreign key's lock on tenants (which blocks corpus-version bumps) is
-- then held only from here to the commit, with no scan of the backfill; every backfilled row
-- came from a chunk of an existing tenant, and new rows are checked as they are written.
ALTER TABLE "keyword_postings" ADD CONSTRAINT "keyword_postings_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action NOT VALID;
