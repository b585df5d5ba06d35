CREATE TABLE "metrics_minute" (
	"tenant_id" uuid,
	"name" text NOT NULL,
	"labels" text DEFAULT '' NOT NULL,
	"minute" timestamp with time zone NOT NULL,
	"count" bigint DEFAULT 0 NOT NULL,
	"sum" double precision DEFAULT 0 NOT NULL,
	"buckets" bigint[],
	CONSTRAINT "metrics_minute_series_key" UNIQUE NULLS NOT DISTINCT("tenant_id","name","labels","minute")
);
--> statement-breakpoint
ALTER TABLE "metrics_minute" ADD CONSTRAINT "metrics_minute_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "metrics_minute_minute_idx" ON "metrics_minute" USING btree ("minute");
