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
ALTER TABLE "keyword_postings" ADD CONSTRAINT "keyword_postings_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;
--> statement-breakpoint
-- The only index: a list is read by (tenant, lexeme), a posting deleted by its key. It carries
-- tf and dl, so reading a list needs no heap column the index does not hold.
CREATE UNIQUE INDEX IF NOT EXISTS "keyword_postings_list_idx" ON "keyword_postings" USING btree ("tenant_id", "lexeme", "chunk_id") INCLUDE ("tf", "dl");
--> statement-breakpoint
-- Backfill from what is served now; from here on the write path keeps them exact.
INSERT INTO "keyword_postings" ("tenant_id", "lexeme", "chunk_id", "tf", "dl")
SELECT c.tenant_id, u.lexeme, c.id, coalesce(array_length(u.positions, 1), 1), c.token_count
FROM chunks c
JOIN documents d ON d.id = c.document_id AND d.tenant_id = c.tenant_id AND c.version = d.ready_version
CROSS JOIN LATERAL unnest(c.tsv) AS u
ON CONFLICT DO NOTHING;
