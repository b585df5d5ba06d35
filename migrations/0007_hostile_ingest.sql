-- Poison isolation: a whole-file ingest attempt marks its start and clears the mark when it
-- ends; a mark still set on redelivery means the previous invocation died mid-attempt.
ALTER TABLE "document_versions" ADD COLUMN "attempt_started_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "document_versions" ADD COLUMN "crashes" integer DEFAULT 0 NOT NULL;
