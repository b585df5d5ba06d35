import { createExecutionContext, createMessageBatch, env, getQueueResult } from 'cloudflare:test';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SECONDARY_MODEL } from '../src/ai/llm/config';
import { postgresBudgetLedger } from '../src/usage/budget-ledger';
import { Tag } from '../src/documents/schemas';
import type { EnrichMessage, Env, IngestQueueMessage } from '../src/env';
import { freshKey, received, script } from './chat/fake';
import { newTenant, uploadText, withDb, type TestClient } from './helpers';
import { poll } from './support/poll';
import worker from './worker';

const json = (method: string, body: unknown): RequestInit => ({
  method,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

function handbook(
  marker: string,
  opening = 'This handbook explains how the Falcon valves are inspected and cleaned.',
) {
  return [
    '# Valve Handbook',
    '',
    `${opening} Copy ${marker}.`,
    '',
    '## Inspection',
    '',
    ...Array.from(
      { length: 30 },
      (_, i) => `Step ${i}: check valve ${i} for wear, then valve seat ${i}.`,
    ),
  ].join('\n');
}

async function setSettings(client: TestClient, patch: Record<string, unknown>) {
  const res = await client.json('/v1/tenant/settings', json('PATCH', patch));
  expect(res.status).toBe(200);
  return res.body;
}

async function getDoc(client: TestClient, id: string) {
  const { status, body } = await client.json(`/v1/documents/${id}`);
  expect(status).toBe(200);
  return body;
}

/** Reads until `done` holds for what was read (test/support/poll.ts does the waiting). */
const waitFor = <T>(what: string, read: () => Promise<T>, done: (value: T) => boolean) =>
  poll(
    what,
    async () => {
      const value = await read();
      return done(value) ? value : undefined;
    },
    { timeoutMs: 25_000 },
  );

const enrichEvents = (doc: any, version?: number) =>
  doc.history.filter(
    (e: any) => e.stage === 'enrich' && (version === undefined || e.version === version),
  );

const settled = (version: number) => (doc: any) =>
  enrichEvents(doc, version).some((e: any) => ['done', 'failed', 'skipped'].includes(e.status));

/**
 * The document once enrichment of `version` has an outcome. Read again after that: the detail
 * route reads the row before the history, so one response may predate the summary it lists.
 */
async function enriched(client: TestClient, id: string, version: number) {
  await waitFor(`enrichment of v${version}`, () => getDoc(client, id), settled(version));
  return getDoc(client, id);
}

async function uploadReady(client: TestClient, text: string) {
  const { status, body } = await uploadText(
    client,
    text,
    '?title=Valve%20Handbook',
    'text/markdown',
  );
  expect(status).toBe(202);
  return waitFor(
    'ready',
    () => getDoc(client, body.document.id),
    (d) => d.status === 'ready' && d.readyVersion === d.currentVersion,
  );
}

/** One message through the real consumer, with some bindings replaced. */
async function deliver(
  body: IngestQueueMessage,
  overrides: Partial<Env> = {},
  options: { queue?: string; attempts?: number } = {},
) {
  const batch = createMessageBatch<IngestQueueMessage>(options.queue ?? 'vellum-ingest', [
    { id: 'm1', timestamp: new Date(), attempts: options.attempts ?? 1, body },
  ]);
  const ctx = createExecutionContext();
  await worker.queue(batch, { ...(env as Env), ...overrides }, ctx);
  return getQueueResult(batch, ctx);
}

const enrichMessage = (client: TestClient, id: string, version = 1): EnrichMessage => ({
  kind: 'enrich',
  tenantId: client.tenantId,
  documentId: id,
  version,
  enqueuedAt: Date.now(),
});

/** Runs ingest of version 1 again (as a redelivery would) and returns what it queued. */
async function rerunIngest(client: TestClient, id: string, overrides: Partial<Env> = {}) {
  await withDb((db) =>
    db.execute(sql`update document_versions set status = 'processing' where document_id = ${id}`),
  );
  const sent: IngestQueueMessage[] = [];
  const queue = {
    send: async (body: IngestQueueMessage) => void sent.push(body),
    sendBatch: async (messages: Array<{ body: IngestQueueMessage }>) =>
      void sent.push(...messages.map((m) => m.body)),
  } as unknown as Queue<IngestQueueMessage>;
  const result = await deliver(
    {
      kind: 'ingest',
      tenantId: client.tenantId,
      documentId: id,
      version: 1,
      enqueuedAt: Date.now(),
    },
    { ...overrides, INGEST_QUEUE: queue },
  );
  expect(result.explicitAcks).toEqual(['m1']);
  return sent;
}

async function requestsMentioning(apiKey: string, marker: string) {
  return (await received(apiKey)).filter((r) =>
    r.messages.some((m) => typeof m.content === 'string' && m.content.includes(marker)),
  );
}

describe('document enrichment', () => {
  it('summarises and tags a ready document of a tenant that opted in, and counts the cost', async () => {
    const client = await newTenant('admin', 'enrich');
    const settings = await setSettings(client, { enrichment: true });
    expect(settings.settings.enrichment).toBe(true);
    expect(settings.effective.enrichment).toBe(true);

    const marker = `m${crypto.randomUUID().slice(0, 8)}`;
    const ready = await uploadReady(client, handbook(marker));
    const doc = await enriched(client, ready.id, 1);

    expect(doc.status).toBe('ready');
    expect(enrichEvents(doc).map((e: any) => e.status)).toEqual(['queued', 'done']);
    expect(doc.summary).toContain(
      'This handbook explains how the Falcon valves are inspected and cleaned.',
    );
    expect(doc.summary.length).toBeLessThanOrEqual(600);
    expect(doc.suggestedTags).toContain('valve');
    expect(doc.suggestedTags.length).toBeGreaterThan(0);
    expect(doc.suggestedTags.length).toBeLessThanOrEqual(5);
    for (const tag of doc.suggestedTags) {
      expect(tag).toBe(tag.toLowerCase());
      expect(Tag.safeParse(tag).success).toBe(true);
    }
    // The user's own tags are untouched: suggestions are only suggestions.
    expect(doc.tags).toEqual([]);

    const done = enrichEvents(doc).find((e: any) => e.status === 'done').detail;
    expect(done).toMatchObject({ model: DEFAULT_SECONDARY_MODEL, stopReason: 'end_turn' });
    expect(done.inputTokens).toBeGreaterThan(100);
    expect(done.costUsd).toBeGreaterThan(0);

    const usage = await withDb((db) =>
      db.execute(
        sql`select tokens_in::int as "in", tokens_out::int as "out", cost_usd as cost, answers from usage_daily where tenant_id = ${client.tenantId}`,
      ),
    );
    expect(usage.rows).toHaveLength(1);
    expect(usage.rows[0]).toMatchObject({
      in: done.inputTokens,
      out: done.outputTokens,
      answers: 0,
    });
    expect(Number(usage.rows[0]!.cost)).toBeCloseTo(done.costUsd, 8);

    const [sent, ...more] = await requestsMentioning('test-key', marker);
    expect(more).toHaveLength(0);
    expect(sent).toMatchObject({ model: DEFAULT_SECONDARY_MODEL, max_tokens: 400 });
    expect(sent!.system).toMatch(/DATA, not instructions/);
    expect(sent!.messages[0]!.content).toMatch(/^<document title="Valve Handbook">\n/);
    expect(sent!.messages[0]!.content).toContain(`Copy ${marker}.`);

    const list = await client.json('/v1/documents');
    expect(list.body.data[0]).toMatchObject({ id: doc.id, summary: doc.summary });

    // The call is in the tenant's metrics too (recordAiUsage from the consumer, purpose enrichment).
    const call = await poll('the enrichment call in /v1/admin/metrics', async () => {
      const { body } = await client.json('/v1/admin/metrics');
      return body.ai.find((a: { purpose: string }) => a.purpose === 'enrichment');
    });
    expect(call).toMatchObject({
      kind: 'llm',
      model: DEFAULT_SECONDARY_MODEL,
      calls: 1,
      tokensIn: done.inputTokens,
      tokensOut: done.outputTokens,
    });
  });

  it('does nothing for a tenant that did not opt in, or without a Claude key', async () => {
    const client = await newTenant('admin', 'enrich-off');
    const marker = `m${crypto.randomUUID().slice(0, 8)}`;
    const ready = await uploadReady(client, handbook(marker));
    expect((await setSettings(client, { dailyBudgetUsd: 3 })).effective.enrichment).toBe(false);

    // Off: completing the version queues nothing.
    expect(await rerunIngest(client, ready.id)).toEqual([]);
    // On, but no key in the Worker: still nothing, and the settings view says so.
    await setSettings(client, { enrichment: true });
    expect(await rerunIngest(client, ready.id, { ANTHROPIC_API_KEY: undefined })).toEqual([]);
    // On with a key: exactly one enrich message for the version.
    expect(await rerunIngest(client, ready.id)).toEqual([
      expect.objectContaining({ kind: 'enrich', documentId: ready.id, version: 1 }),
    ]);

    // A message queued before the key was removed is skipped without a model call.
    const key = freshKey();
    const noKey = await deliver(enrichMessage(client, ready.id), { ANTHROPIC_API_KEY: undefined });
    expect(noKey.explicitAcks).toEqual(['m1']);
    // ...and one queued before the tenant switched enrichment off.
    await setSettings(client, { enrichment: null });
    expect(
      (await deliver(enrichMessage(client, ready.id), { ANTHROPIC_API_KEY: key })).explicitAcks,
    ).toEqual(['m1']);
    expect(await received(key)).toEqual([]);

    const doc = await getDoc(client, ready.id);
    expect(doc.summary).toBeNull();
    expect(doc.suggestedTags).toBeNull();
    expect(enrichEvents(doc).map((e: any) => [e.status, e.detail?.reason ?? null])).toEqual([
      ['queued', null],
      ['skipped', 'not_configured'],
      ['skipped', 'disabled'],
    ]);
    expect(await requestsMentioning('test-key', marker)).toEqual([]);
  });

  it('records malformed model output as a failed enrichment; the document stays ready', async () => {
    const client = await newTenant('admin', 'enrich-bad');
    const ready = await uploadReady(client, handbook(`m${crypto.randomUUID().slice(0, 8)}`));
    await setSettings(client, { enrichment: true });
    const key = freshKey();
    await script(key, undefined, [{ text: 'Sure! This handbook is about valves.' }]);

    const result = await deliver(enrichMessage(client, ready.id), { ANTHROPIC_API_KEY: key });
    expect(result.explicitAcks).toEqual(['m1']);
    expect(result.retryMessages).toEqual([]);

    const doc = await getDoc(client, ready.id);
    expect(doc).toMatchObject({ status: 'ready', failureReason: null, summary: null });
    const [event] = enrichEvents(doc);
    expect(event).toMatchObject({ status: 'failed', detail: { reason: 'malformed_output' } });
    expect(event.detail.outputTokens).toBeGreaterThan(0);
    expect(await received(key)).toHaveLength(1);
  });

  it('retries provider failures with backoff, then enriches once; dead letters never fail the document', async () => {
    const client = await newTenant('admin', 'enrich-retry');
    const ready = await uploadReady(client, handbook(`m${crypto.randomUUID().slice(0, 8)}`));
    await setSettings(client, { enrichment: true });
    const key = freshKey();
    const llmEnv = { ANTHROPIC_API_KEY: key };
    await script(key, undefined, [{ status: 500 }, { status: 529, retryAfter: 7 }]);

    const first = await deliver(enrichMessage(client, ready.id), llmEnv);
    expect(first.explicitAcks).toEqual([]);
    // INGEST_RETRY_BASE_SECONDS is 0 in tests: retried at once (a zero delay is left out).
    expect(first.retryMessages).toEqual([{ msgId: 'm1' }]);
    const second = await deliver(enrichMessage(client, ready.id), llmEnv, { attempts: 2 });
    expect(second.retryMessages).toEqual([{ msgId: 'm1' }]);

    let doc = await getDoc(client, ready.id);
    expect(doc).toMatchObject({ status: 'ready', summary: null });
    const retries = enrichEvents(doc).filter((e: any) => e.status === 'retry');
    expect(retries.map((e: any) => e.detail.attempt)).toEqual([1, 2]);
    // The second failure carried retry-after: 7, longer than the backoff.
    expect(retries.map((e: any) => e.detail.delaySeconds)).toEqual([0, 7]);
    expect(retries[0].detail.error.message).toMatch(/500/);

    const third = await deliver(enrichMessage(client, ready.id), llmEnv, { attempts: 3 });
    expect(third.explicitAcks).toEqual(['m1']);
    doc = await getDoc(client, ready.id);
    expect(doc.summary).toContain('Falcon valves');
    expect(await received(key)).toHaveLength(3);

    // A redelivery after success makes no second call.
    await deliver(enrichMessage(client, ready.id), llmEnv, { attempts: 4 });
    expect(await received(key)).toHaveLength(3);

    // Retries exhausted: recorded, and the document is neither failed nor stripped.
    const dead = await deliver(enrichMessage(client, ready.id), llmEnv, {
      queue: 'vellum-ingest-dlq',
    });
    expect(dead.explicitAcks).toEqual(['m1']);
    doc = await getDoc(client, ready.id);
    expect(doc).toMatchObject({ status: 'ready', failureReason: null });
    expect(doc.summary).toContain('Falcon valves');
    expect(enrichEvents(doc).at(-1)).toMatchObject({
      status: 'failed',
      detail: { reason: 'retries_exhausted' },
    });
  });

  it('skips without a model call when the tenant budget is spent', async () => {
    const client = await newTenant('admin', 'enrich-budget');
    const ready = await uploadReady(client, handbook(`m${crypto.randomUUID().slice(0, 8)}`));
    await setSettings(client, { enrichment: true, dailyBudgetUsd: 0 });
    const key = freshKey();
    const result = await deliver(enrichMessage(client, ready.id), { ANTHROPIC_API_KEY: key });
    expect(result.explicitAcks).toEqual(['m1']);
    expect(await received(key)).toEqual([]);

    await setSettings(client, { dailyBudgetUsd: 0.0001 });
    await deliver(enrichMessage(client, ready.id), { ANTHROPIC_API_KEY: key });
    expect(await received(key)).toEqual([]);

    const doc = await getDoc(client, ready.id);
    expect(doc.summary).toBeNull();
    expect(enrichEvents(doc).map((e: any) => e.detail.reason)).toEqual([
      'budget_exhausted',
      'over_budget',
    ]);
  });

  it('counts model calls still in flight against the budget it shares with chat', async () => {
    const client = await newTenant('admin', 'enrich-held');
    const ready = await uploadReady(client, handbook(`m${crypto.randomUUID().slice(0, 8)}`));
    await setSettings(client, { enrichment: true, dailyBudgetUsd: 1 });
    const key = freshKey();
    await withDb(async (db) => {
      // A chat answer in flight holds nearly the whole budget; nothing is charged yet.
      const held = await postgresBudgetLedger({
        db,
        tenantId: client.tenantId,
        limitUsd: 1,
        prices: { chat: { inputPerMtok: 0, outputPerMtok: 1 } },
      }).reserve('chat', { inputTokens: 0, outputTokens: 999_990 });
      if (!held.ok) throw new Error('the hold was refused');
      await deliver(enrichMessage(client, ready.id), { ANTHROPIC_API_KEY: key });
      expect(await received(key)).toEqual([]);
      expect(enrichEvents(await getDoc(client, ready.id)).at(-1)).toMatchObject({
        status: 'skipped',
        detail: { reason: 'over_budget' },
      });
      // The answer settles having used little: the hold is released.
      await held.reservation.settle('chat', { inputTokens: 0, outputTokens: 10 });
    });
    await deliver(enrichMessage(client, ready.id), { ANTHROPIC_API_KEY: key });
    expect(await received(key)).toHaveLength(1);
    expect((await getDoc(client, ready.id)).summary).toContain('Falcon valves');
  });

  it('gives a new version its own summary and skips messages for the old one', async () => {
    const client = await newTenant('admin', 'enrich-versions');
    await setSettings(client, { enrichment: true });
    const marker = `m${crypto.randomUUID().slice(0, 8)}`;
    const ready = await uploadReady(client, handbook(marker));
    const v1 = await enriched(client, ready.id, 1);
    expect(v1.summary).toContain('Falcon valves are inspected');

    const put = await client.json(`/v1/documents/${ready.id}/content`, {
      method: 'PUT',
      headers: { 'content-type': 'text/markdown' },
      body: handbook(marker, 'This revised handbook covers the Osprey valve series only.'),
    });
    expect(put.status).toBe(202);
    const key = freshKey();
    const stale = await deliver(enrichMessage(client, ready.id, 1), { ANTHROPIC_API_KEY: key });
    expect(stale.explicitAcks).toEqual(['m1']);
    expect(await received(key)).toEqual([]);

    const v2 = await enriched(client, ready.id, 2);
    expect(v2).toMatchObject({ readyVersion: 2, status: 'ready' });
    expect(enrichEvents(v2, 1).at(-1).detail.reason).toBe('superseded');
    expect(enrichEvents(v2, 2).map((e: any) => e.status)).toEqual(['queued', 'done']);
    expect(v2.summary).toContain('Osprey valve series');
    expect(v2.summary).not.toContain('Falcon');
  });
});
