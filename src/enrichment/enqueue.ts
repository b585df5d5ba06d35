import { llmConfigFromEnv, type LlmEnv } from '../ai/llm/config';
import type { Database } from '../db/client';
import type { Env } from '../env';
import { recordEvent, type VersionRef } from '../ingest/status';
import { logJson } from '../observability/log';
import { loadSettings, type TenantSettings } from '../tenants/settings';

/** Enrichment runs only for tenants that opted in, and only when a Claude key is configured. */
export function enrichmentEnabled(env: LlmEnv, settings: Pick<TenantSettings, 'enrichment'>) {
  return settings.enrichment === true && llmConfigFromEnv(env).apiKey !== null;
}

/**
 * Called once a version is ready and current: queues its enrichment when enabled. The key is
 * checked first so a deployment without one never reads settings or sends anything.
 */
export async function enqueueEnrichment(
  ctx: { env: Pick<Env, 'INGEST_QUEUE'> & LlmEnv; db: Database },
  ref: VersionRef,
  traceparent?: string,
): Promise<boolean> {
  if (llmConfigFromEnv(ctx.env).apiKey === null) return false;
  const settings = await loadSettings(ctx.db, ref.tenantId);
  if (settings.enrichment !== true) return false;
  await ctx.env.INGEST_QUEUE.send(
    { kind: 'enrich', ...ref, enqueuedAt: Date.now(), ...(traceparent ? { traceparent } : {}) },
    { contentType: 'json' },
  );
  await recordEvent(ctx.db, ref, 'enrich', 'queued');
  return true;
}

/**
 * The reaction to a version becoming ready (wired in src/wiring.ts): queues its enrichment.
 * Best effort: the version is ready whatever happens to its enrichment, so a failure is logged.
 */
export async function enrichReadyVersion(
  ctx: { env: Pick<Env, 'INGEST_QUEUE'> & LlmEnv; db: Database },
  ref: VersionRef,
  traceparent?: string,
): Promise<void> {
  await enqueueEnrichment(ctx, ref, traceparent).catch((error: unknown) =>
    logJson('warn', {
      msg: 'enrich.enqueue_failed',
      tenantId: ref.tenantId,
      documentId: ref.documentId,
      version: ref.version,
      error: error instanceof Error ? error.message.slice(0, 200) : String(error),
    }),
  );
}
