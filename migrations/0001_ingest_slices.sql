CREATE TABLE "ingest_slices" (
	"tenant_id" uuid NOT NULL,
	"document_id" uuid NOT NULL,
	"version" integer NOT NULL,
	"slice_index" integer NOT NULL,
	"byte_start" bigint NOT NULL,
	"byte_end" bigint NOT NULL,
	"char_start" bigint NOT NULL,
	"chunk_count" integer,
	"chunks_reused" integer,
	"chunks_embedded" integer,
	"done_at" timestamp with time zone,
	CONSTRAINT "ingest_slices_document_id_version_slice_index_pk" PRIMARY KEY("document_id","version","slice_index")
);
--> statement-breakpoint
ALTER TABLE "document_versions" ADD COLUMN "slice_count" integer;--> statement-breakpoint
ALTER TABLE "document_versions" ADD COLUMN "attempts" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "ingest_slices" ADD CONSTRAINT "ingest_slices_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ingest_slices" ADD CONSTRAINT "ingest_slices_document_id_documents_id_fk" FOREIGN KEY ("document_id") REFERENCES "public"."documents"("id") ON DELETE cascade ON UPDATE no action;