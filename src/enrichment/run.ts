import { and, asc, eq } from 'drizzle-orm';
import { estimateTokens } from '../ai/tokens';
import { anthropicFromConfig } from '../ai/llm/anthropic';
import { llmConfigFromEnv } from '../ai/llm/config';
import { LlmError, type LlmClient, type LlmUsage } from '../ai/llm/types';
import { postgresBudgetLedger } from '../usage/budget-ledger';
import { costOf, priceTable } from '../ai/usage/prices';
import type { Database } from '../db/client';
import { chunks, documents, ingestionEvents } from '../db/schema';
import type { EnrichMessage, Env } from '../env';
import { recordEvent, type VersionRef } from '../ingest/status';
import { clampSettings, operatorCeilings } from '../tenants/ceilings';
import { loadSettings } from '../tenants/settings';
import { parseEnrichment } from './output';
import {
  buildEnrichPrompt,
  documentExcerpt,
  ENRICH_MAX_CHUNKS,
  ENRICH_MAX_OUTPUT_TOKENS,
} from './prompt';

export interface EnrichContext {
  env: Env;
  db: Database;
  /** Defaults to the Anthropic client for the configured key. */
  llm?: LlmClient | null;
}

export type EnrichOutcome = 'done' | 'skipped' | 'failed';

/** Records an outcome retrying cannot change as an `enrich` event and returns it. */
const settle =
  <S extends 'skipped' | 'failed'>(status: S) =>
  async (db: Pick<Database, 'insert'>, ref: VersionRef, reason: string, detail = {}) => {
    await recordEvent(db, ref, 'enrich', status, { reason, ...detail });
    return status;
  };
const skipped = settle('skipped');
const failed = settle('failed');

async function alreadyEnriched(db: Database, ref: VersionRef): Promise<boolean> {
  const rows = await db
    .select({ id: ingestionEvents.id })
    .from(ingestionEvents)
    .where(
      and(
        eq(ingestionEvents.documentId, ref.documentId),
        eq(ingestionEvents.version, ref.version),
        eq(ingestionEvents.stage, 'enrich'),
        eq(ingestionEvents.status, 'done'),
      ),
    )
    .limit(1);
  return rows.length > 0;
}

/**
 * Summarises and tags one ready version. Every outcome that retrying cannot change (stale
 * message, enrichment switched off, budget spent, rejected request, malformed reply) is
 * recorded as an `enrich` event and returned; a transient failure (provider overloaded or
 * down, timeout, database) is thrown for the queue to retry. It never touches the document's
 * status: the version is already ready and stays so whatever happens here.
 */
export async function processEnrichMessage(
  ctx: EnrichContext,
  message: EnrichMessage,
): Promise<EnrichOutcome> {
  const { db, env } = ctx;
  const ref: VersionRef = {
    tenantId: message.tenantId,
    documentId: message.documentId,
    version: message.version,
  };
  const [doc] = await db
    .select({
      title: documents.title,
      currentVersion: documents.currentVersion,
      readyVersion: documents.readyVersion,
    })
    .from(documents)
    .where(and(eq(documents.tenantId, ref.tenantId), eq(documents.id, ref.documentId)));
  if (!doc) return 'skipped'; // deleted since it was queued
  if (doc.currentVersion !== ref.version || doc.readyVersion !== ref.version) {
    return skipped(db, ref, 'superseded', {
      currentVersion: doc.currentVersion,
      readyVersion: doc.readyVersion,
    });
  }
  if (await alreadyEnriched(db, ref)) return 'skipped'; // a redelivery

  const settings = clampSettings(await loadSettings(db, ref.tenantId), operatorCeilings(env));
  if (settings.enrichment !== true) return skipped(db, ref, 'disabled');
  const config = llmConfigFromEnv(env);
  const llm = ctx.llm === undefined ? anthropicFromConfig(config) : ctx.llm;
  if (!llm) return skipped(db, ref, 'not_configured');

  const rows = await db
    .select({ text: chunks.text, charStart: chunks.charStart, charEnd: chunks.charEnd })
    .from(chunks)
    .where(
      and(
        eq(chunks.tenantId, ref.tenantId),
        eq(chunks.documentId, ref.documentId),
        eq(chunks.version, ref.version),
      ),
    )
    .orderBy(asc(chunks.ordinal))
    .limit(ENRICH_MAX_CHUNKS + 1);
  const excerpt = documentExcerpt(
    rows.slice(0, ENRICH_MAX_CHUNKS),
    undefined,
    rows.length > ENRICH_MAX_CHUNKS,
  );
  if (!excerpt.text.trim()) return skipped(db, ref, 'no_text');
  const prompt = buildEnrichPrompt(doc.title, excerpt);

  const model = config.enrichmentModel;
  const prices = priceTable(env.LLM_PRICES);
  const estimate: LlmUsage = {
    inputTokens: estimateTokens(prompt.system + prompt.messages[0]!.content),
    outputTokens: ENRICH_MAX_OUTPUT_TOKENS,
  };
  // The same budget as chat: hold the worst case, settle what the call used, however it ends.
  const held = await postgresBudgetLedger({
    db,
    tenantId: ref.tenantId,
    limitUsd: settings.dailyBudgetUsd ?? config.dailyBudgetUsd,
    prices,
  }).reserve(model, estimate);
  if (!held.ok) {
    return held.reason === 'budget_exhausted'
      ? skipped(db, ref, 'budget_exhausted', { model })
      : skipped(db, ref, 'over_budget', { model, remainingUsd: held.remainingUsd });
  }

  const started = Date.now();
  let text = '';
  let done: { usage: LlmUsage; stopReason: string; model: string } | null = null;
  try {
    for await (const event of llm.stream({
      model,
      system: prompt.system,
      messages: prompt.messages,
      maxTokens: ENRICH_MAX_OUTPUT_TOKENS,
      temperature: 0,
    })) {
      if (event.type === 'delta') text += event.text;
      else done = event;
    }
    if (!done) throw new LlmError('truncated', `${model}: no completion event`, { model });
  } catch (error) {
    const llmError =
      error instanceof LlmError ? error : new LlmError('unknown', String(error), { model });
    if (llmError.retryable) throw llmError;
    return failed(db, ref, `llm_${llmError.kind}`, {
      model,
      status: llmError.details.status ?? null,
      message: llmError.message.slice(0, 200),
    });
  } finally {
    // Without a completion event: the prompt and whatever text had arrived.
    await held.reservation.settle(
      done?.model ?? model,
      done?.usage ??
        (text
          ? { inputTokens: estimate.inputTokens, outputTokens: estimateTokens(text) }
          : { inputTokens: 0, outputTokens: 0 }),
    );
  }

  const costUsd = costOf(done.model, done.usage, prices);
  const call = {
    model: done.model,
    inputTokens: done.usage.inputTokens,
    outputTokens: done.usage.outputTokens,
    costUsd,
    stopReason: done.stopReason,
    ms: Date.now() - started,
  };

  const parsed = parseEnrichment(text);
  if (!parsed.ok) return failed(db, ref, 'malformed_output', { ...call, detail: parsed.reason });

  return db.transaction(async (tx) => {
    const updated = await tx
      .update(documents)
      .set({
        summary: parsed.value.summary,
        suggestedTags: parsed.value.suggestedTags,
        updatedAt: new Date(),
      })
      .where(
        and(
          eq(documents.tenantId, ref.tenantId),
          eq(documents.id, ref.documentId),
          eq(documents.currentVersion, ref.version),
          eq(documents.readyVersion, ref.version),
        ),
      )
      .returning({ id: documents.id });
    if (updated.length === 0) return skipped(tx, ref, 'superseded', call);
    await recordEvent(tx, ref, 'enrich', 'done', {
      ...call,
      tags: parsed.value.suggestedTags.length,
      chunks: excerpt.chunksUsed,
      excerptTokens: excerpt.tokens,
      truncated: excerpt.truncated,
      injectionFlags: prompt.flag.reasons,
    });
    return 'done' as const;
  });
}
