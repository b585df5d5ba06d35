// The daily AI budget is reserved before each model call at the call's worst case and settled
// with what it used in a `finally`: concurrent turns cannot overshoot it together, and a client
// that disconnects mid-answer is still charged.
import { createExecutionContext, env } from 'cloudflare:test';
import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_PRIMARY_MODEL, DEFAULT_SECONDARY_MODEL } from '../src/ai/llm/config';
import { postgresBudgetLedger } from '../src/usage/budget-ledger';
import { createApp } from '../src/app';
import { DEFAULT_CONTEXT_BUDGET } from '../src/chat/context';
import { parseSse } from '../src/client/sse';
import type { Env } from '../src/env';
import { freshKey, received, script } from './chat/fake';
import { BASE, newTenant, uploadText, withBindings, withDb, type TestClient } from './helpers';
import { poll, waitForReady } from './support/poll';

const NOTE = [
  '# Heron Crane Note',
  '',
  'The Heron crane lifts 8 tonnes at a radius of 20 metres.',
  'Its hoist rope is inspected every Monday before the first lift.',
].join('\n');

/** USD per million output tokens for both models; input is free, so a call's cost is its output. */
const OUTPUT_PRICE = 100;
const prices = JSON.stringify({
  [DEFAULT_PRIMARY_MODEL]: { inputPerMtok: 0, outputPerMtok: OUTPUT_PRICE },
  [DEFAULT_SECONDARY_MODEL]: { inputPerMtok: 0, outputPerMtok: OUTPUT_PRICE },
});
/** An answer's worst case: every output token it may use. */
const WORST_CASE_USD = (DEFAULT_CONTEXT_BUDGET.reserveForAnswer * OUTPUT_PRICE) / 1e6;
/** Longer than max_tokens: the fake cuts it there, so each answer costs its whole worst case. */
const LONG_ANSWER = 'The Heron crane hoist rope is inspected weekly. '.repeat(200);

const post = (body: unknown): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

async function usageRow(tenantId: string) {
  return withDb(async (db) => {
    const result = await db.execute<{ cost: number; reserved: number; tokens_out: number }>(sql`
      SELECT cost_usd::float8 AS cost, reserved_usd AS reserved, tokens_out::int AS tokens_out
      FROM usage_daily WHERE tenant_id = ${tenantId}::uuid AND day = current_date`);
    const row = result.rows[0];
    return row
      ? { cost: Number(row.cost), reserved: Number(row.reserved), tokensOut: row.tokens_out }
      : undefined;
  });
}

async function setBudget(tenantId: string, usd: number) {
  await withDb((db) =>
    db.execute(sql`
      UPDATE tenants SET settings = settings || jsonb_build_object('dailyBudgetUsd', ${usd}::float8)
      WHERE id = ${tenantId}::uuid`),
  );
}

describe('budget ledger in Postgres', () => {
  it('grants concurrent reservations only while they fit, then settles them', async () => {
    const client = await newTenant('admin', 'ledger');
    const table = { m: { inputPerMtok: 0, outputPerMtok: 1_000 } };
    await withDb(async (db) => {
      const ledger = postgresBudgetLedger({
        db,
        tenantId: client.tenantId,
        limitUsd: 1,
        prices: table,
      });
      // Ten calls of 0.3 USD worst case at once against a 1 USD cap: three fit.
      const outcomes = await Promise.all(
        Array.from({ length: 10 }, () =>
          ledger.reserve('m', { inputTokens: 0, outputTokens: 300 }),
        ),
      );
      const granted = outcomes.flatMap((o) => (o.ok ? [o.reservation] : []));
      expect(granted).toHaveLength(3);
      for (const refused of outcomes.filter((o) => !o.ok)) {
        expect(refused).toMatchObject({ ok: false, reason: 'over_budget' });
      }
      expect(await usageRow(client.tenantId)).toMatchObject({ cost: 0 });
      expect((await usageRow(client.tenantId))!.reserved).toBeCloseTo(0.9, 9);

      // Each used a third of its worst case: 0.3 USD charged, nothing held any more.
      await Promise.all(granted.map((r) => r.settle('m', { inputTokens: 0, outputTokens: 100 })));
      await granted[0]!.settle('m', { inputTokens: 0, outputTokens: 300 }); // a second settle is a no-op
      const settled = (await usageRow(client.tenantId))!;
      expect(settled.cost).toBeCloseTo(0.3, 5);
      expect(settled.reserved).toBeCloseTo(0, 9);
      expect(settled.tokensOut).toBe(300);

      // What settling gave back can be reserved again; a spent budget says so.
      expect((await ledger.reserve('m', { inputTokens: 0, outputTokens: 700 })).ok).toBe(true);
      expect(await ledger.reserve('m', { inputTokens: 0, outputTokens: 1 })).toMatchObject({
        ok: false,
        reason: 'budget_exhausted',
      });
    });
  });
});

describe('chat turns against the budget', () => {
  let client: TestClient;
  beforeAll(async () => {
    client = await newTenant('admin', 'budget');
    const { body } = await uploadText(client, NOTE, '?title=Heron', 'text/markdown');
    await waitForReady(client, body.document.id);
  });

  it('refuses the turns that would pass the budget when they all start at once', async () => {
    const apiKey = freshKey();
    const turns = 6;
    // Room for two answers' worst case and a half: at most two may call a model.
    const budget = 2.5 * WORST_CASE_USD;
    await setBudget(client.tenantId, budget);
    // Slow answers, so every turn reserves while the others are still running.
    for (const model of [DEFAULT_PRIMARY_MODEL, DEFAULT_SECONDARY_MODEL]) {
      await script(
        apiKey,
        model,
        Array.from({ length: turns }, () => ({ text: LONG_ANSWER, delayMs: 300 })),
      );
    }
    const responses = await Promise.all(
      Array.from({ length: turns }, (_, i) =>
        withBindings(
          client,
          '/v1/answer',
          post({ question: `Turn ${i}: how often is the Heron hoist rope inspected?` }),
          { ANTHROPIC_API_KEY: apiKey, LLM_PRICES: prices } as Partial<Env>,
        ),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(turns).fill(200));
    const answeredByModel = responses.filter((r) => r.body.tier !== 'extractive');
    expect(answeredByModel.length).toBeGreaterThanOrEqual(1);
    expect(answeredByModel.length).toBeLessThanOrEqual(2);
    for (const refused of responses.filter((r) => r.body.tier === 'extractive')) {
      for (const skip of refused.body.skipped.filter((s: any) => s.tier !== 'cache')) {
        expect(['over_budget', 'budget_exhausted']).toContain(skip.reason);
      }
    }
    expect((await received(apiKey)).length).toBe(answeredByModel.length);
    const usage = (await usageRow(client.tenantId))!;
    expect(usage.cost).toBeLessThanOrEqual(budget + 1e-6);
    expect(usage.reserved).toBeCloseTo(0, 9);
  });

  it('charges a streamed answer whose client disconnects before it ends', async () => {
    const fresh = await newTenant('admin', 'disconnect');
    const { body } = await uploadText(fresh, NOTE, '?title=Heron', 'text/markdown');
    await waitForReady(fresh, body.document.id);
    const apiKey = freshKey();
    // Slow enough that the client leaves long before the answer would end.
    await script(apiKey, DEFAULT_PRIMARY_MODEL, [{ text: LONG_ANSWER, chunkDelayMs: 40 }]);

    const ctx = createExecutionContext();
    const res = await createApp().fetch(
      new Request(`${BASE}/v1/answer`, {
        ...post({ question: 'How often is the Heron hoist rope inspected?', stream: true }),
        headers: { 'content-type': 'application/json', authorization: `Bearer ${fresh.key}` },
      }),
      { ...env, ANTHROPIC_API_KEY: apiKey, LLM_PRICES: prices } as Env,
      ctx,
    );
    expect(res.status).toBe(200);
    // Read up to the first delta, then leave: the client's parser cancels the body.
    const seen: string[] = [];
    for await (const { event } of parseSse(res.body!)) {
      seen.push(event);
      if (event === 'delta') break;
    }
    if (!seen.includes('delta')) throw new Error('the answer ended before any delta');

    const charged = await poll('the disconnected answer to be charged', async () => {
      const row = await usageRow(fresh.tenantId);
      return row && row.cost > 0 && row.reserved === 0 ? row : undefined;
    });
    expect(charged.tokensOut).toBeGreaterThan(0);
    // Only what was streamed before the client left, not the whole answer.
    expect(charged.cost).toBeLessThan(WORST_CASE_USD);
  });
});
