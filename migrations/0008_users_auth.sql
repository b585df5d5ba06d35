-- Issue #16, users-auth: user tokens, operator keys and tenant deletion.

-- The derived secret that verifies a key's user tokens (src/auth/user-token.ts). Null for keys
-- created before this migration: they cannot sign tokens until rotated (docs/security.md).
ALTER TABLE "api_keys" ADD COLUMN "token_secret" text;
--> statement-breakpoint
ALTER TABLE "tenants" ADD COLUMN "status" text DEFAULT 'active' NOT NULL;
--> statement-breakpoint
CREATE TABLE "operator_keys" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"prefix" text NOT NULL,
	"key_hash" text NOT NULL,
	"revoked_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "operator_keys_hash_idx" ON "operator_keys" USING btree ("key_hash");
--> statement-breakpoint
-- No foreign key: the row outlives the tenant as the record of its deletion.
CREATE TABLE "tenant_deletions" (
	"tenant_id" uuid PRIMARY KEY NOT NULL,
	"tenant_name" text NOT NULL,
	"status" text DEFAULT 'running' NOT NULL,
	"documents_total" integer DEFAULT 0 NOT NULL,
	"documents_deleted" integer DEFAULT 0 NOT NULL,
	"error" text,
	"requested_by" uuid,
	"requested_at" timestamp with time zone DEFAULT now() NOT NULL,
	"completed_at" timestamp with time zone
);
--> statement-breakpoint
-- The operator's own audit trail: tenant creation, changes and deletion. Outlives the tenant
-- (a tenant's audit_log rows go with it).
CREATE TABLE "operator_audit" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"operator_key_id" uuid,
	"action" text NOT NULL,
	"tenant_id" uuid NOT NULL,
	"request_id" text,
	"detail" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "operator_audit_tenant_idx" ON "operator_audit" USING btree ("tenant_id", "id");
