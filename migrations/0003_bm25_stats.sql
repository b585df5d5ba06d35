-- Per-tenant BM25 statistics over served chunks (docs/retrieval.md, "BM25 statistics"), and the
-- (tenant_id, tsv) index keyword search takes its candidates from. btree_gin lets one GIN index
-- hold the uuid equality and the tsvector, so `tenant_id = $1 AND tsv @@ q` is one index scan.
CREATE EXTENSION IF NOT EXISTS btree_gin;
--> statement-breakpoint
CREATE TABLE "bm25_corpus" (
	"tenant_id" uuid PRIMARY KEY NOT NULL,
	"n" bigint DEFAULT 0 NOT NULL,
	"total_tokens" bigint DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "bm25_df" (
	"tenant_id" uuid NOT NULL,
	"lexeme" text NOT NULL,
	"df" integer NOT NULL,
	CONSTRAINT "bm25_df_tenant_id_lexeme_pk" PRIMARY KEY("tenant_id","lexeme")
);
--> statement-breakpoint
ALTER TABLE "bm25_corpus" ADD CONSTRAINT "bm25_corpus_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;
--> statement-breakpoint
ALTER TABLE "bm25_df" ADD CONSTRAINT "bm25_df_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;
--> statement-breakpoint
-- Rows whose df reached 0 are deleted right after each change; this keeps finding them O(those rows).
CREATE INDEX "bm25_df_spent_idx" ON "bm25_df" USING btree ("tenant_id") WHERE "df" <= 0;
--> statement-breakpoint
DROP INDEX IF EXISTS "chunks_tsv_idx";
--> statement-breakpoint
CREATE INDEX "chunks_tenant_tsv_idx" ON "chunks" USING gin ("tenant_id","tsv");
--> statement-breakpoint
-- Backfill from what is served now; from here on the write path keeps them exact.
INSERT INTO "bm25_corpus" ("tenant_id", "n", "total_tokens")
SELECT c.tenant_id, count(*), coalesce(sum(c.token_count), 0)
FROM chunks c
JOIN documents d ON d.id = c.document_id AND d.tenant_id = c.tenant_id AND c.version = d.ready_version
GROUP BY c.tenant_id;
--> statement-breakpoint
INSERT INTO "bm25_df" ("tenant_id", "lexeme", "df")
SELECT c.tenant_id, u.lexeme, count(*)
FROM chunks c
JOIN documents d ON d.id = c.document_id AND d.tenant_id = c.tenant_id AND c.version = d.ready_version
CROSS JOIN LATERAL unnest(tsvector_to_array(c.tsv)) AS u(lexeme)
GROUP BY c.tenant_id, u.lexeme;
