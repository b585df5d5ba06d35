-- Ids of the rollup batches each isolate's write-behind buffer has written (src/metrics/flush.ts).
-- A batch's rows are inserted only together with its id, so re-sending a batch whose commit was
-- not confirmed writes nothing. The daily cron deletes ids older than a day.
CREATE TABLE "rollup_flushes" (
	"id" uuid PRIMARY KEY,
	"flushed_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "rollup_flushes_flushed_at_idx" ON "rollup_flushes" USING btree ("flushed_at");
