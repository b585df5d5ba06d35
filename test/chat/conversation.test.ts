import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { GenerationData } from '../../src/chat/conversation-log';
import { resolveContext, type ContextBudget } from '../../src/chat/context';
import { extractiveSummariser } from '../../src/chat/summarise';

function conversation(tenantId = crypto.randomUUID(), conversationId = crypto.randomUUID()) {
  const stub = env.CONVERSATIONS.get(env.CONVERSATIONS.idFromName(`${tenantId}:${conversationId}`));
  return { stub, tenantId, conversationId };
}

function generation(replyTo: string, text: string): GenerationData {
  return {
    replyTo,
    text,
    tier: 'primary',
    model: 'claude-sonnet-4-5',
    promptTokens: 1200,
    outputTokens: 80,
    costUsd: 0.0048,
    latencyMs: 900,
    firstDeltaMs: 300,
    finishReason: 'end_turn',
    fallbackUsed: false,
    skipped: [],
    citations: [],
  };
}

/** Settles an RPC call once; `expect(rpc).rejects` leaves the pipelined promise unhandled. */
async function rejection(call: Promise<unknown>): Promise<Error> {
  const outcome = await call.then(
    () => null,
    (error: Error) => error,
  );
  if (!outcome) throw new Error('expected the call to fail');
  return outcome;
}

describe('Conversation Durable Object', () => {
  it('logs a turn as events and projects messages with feedback', async () => {
    const { stub, tenantId, conversationId } = conversation();
    await stub.init({ tenantId, conversationId, title: 'Refunds' });
    const user = await stub.appendUserMessage({ content: 'How long do refunds take?' });
    await stub.appendRetrieval(user.messageId, {
      query: 'refunds duration',
      chunks: [{ chunkId: 'k1', documentId: 'd1', score: 0.9 }],
      injectionFlags: { k9: ['ignore_instructions'] },
    });
    const answer = await stub.appendGeneration(
      generation(user.messageId, '30 days [c1: "30 days"]'),
    );
    await stub.addFeedback(answer.messageId, 'down', 'too short');
    await stub.addFeedback(answer.messageId, 'up', null);

    const events = await stub.events();
    expect(events.map((e) => e.type)).toEqual([
      'user_message',
      'retrieval',
      'generation',
      'feedback',
      'feedback',
    ]);
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    const messages = await stub.messages();
    expect(messages.map((m) => [m.role, m.content])).toEqual([
      ['user', 'How long do refunds take?'],
      ['assistant', '30 days [c1: "30 days"]'],
    ]);
    expect(messages[1]).toMatchObject({
      replyTo: user.messageId,
      tier: 'primary',
      feedback: { rating: 'up' },
    });
  });

  it('refuses appends before init, feedback on unknown answers, and a foreign tenant', async () => {
    const { stub, tenantId, conversationId } = conversation();
    expect((await rejection(stub.appendUserMessage({ content: 'x' }))).message).toMatch(
      /conversation_not_found/,
    );
    expect(await stub.init({ tenantId, conversationId })).toMatchObject({
      ok: true,
      meta: { tenantId, conversationId },
    });
    const user = await stub.appendUserMessage({ content: 'x' });
    // Refusals the API maps to statuses come back as typed results, not coded error strings.
    expect(await stub.addFeedback(user.messageId, 'up')).toEqual({
      ok: false,
      error: 'message_not_found',
    });
    expect(await stub.init({ tenantId: crypto.randomUUID(), conversationId })).toEqual({
      ok: false,
      error: 'conversation_conflict',
    });
    expect(await stub.init({ tenantId, conversationId: crypto.randomUUID() })).toEqual({
      ok: false,
      error: 'conversation_conflict',
    });
    expect(await stub.events()).toHaveLength(1);
  });

  it('serialises many concurrent appends with no loss and a gap-free order', async () => {
    const { stub, tenantId, conversationId } = conversation();
    await stub.init({ tenantId, conversationId });
    const n = 200;
    const results = await Promise.all(
      Array.from({ length: n }, (_, i) => stub.appendUserMessage({ content: `message ${i}` })),
    );
    const seqs = results.map((r) => r.seq).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    const events = await stub.events();
    expect(events).toHaveLength(n);
    // Each call's returned seq is where its own content landed.
    const bySeq = new Map(events.map((e) => [e.seq, e]));
    results.forEach((r, i) => {
      expect(bySeq.get(r.seq)).toMatchObject({
        messageId: r.messageId,
        data: { content: `message ${i}` },
      });
    });
    // Calls issued one after another keep their order.
    const a = await stub.appendUserMessage({ content: 'first' });
    const b = await stub.appendUserMessage({ content: 'second' });
    expect(b.seq).toBe(a.seq + 1);
  });

  it('pages the event log', async () => {
    const { stub, tenantId, conversationId } = conversation();
    await stub.init({ tenantId, conversationId });
    for (let i = 0; i < 5; i += 1) await stub.appendUserMessage({ content: `m${i}` });
    const page = await stub.events({ afterSeq: 2, limit: 2 });
    expect(page.map((e) => e.seq)).toEqual([3, 4]);
  });

  it('plans context from the log and keeps a folded summary as an event', async () => {
    const { stub, tenantId, conversationId } = conversation();
    await stub.init({ tenantId, conversationId });
    for (let i = 0; i < 30; i += 1) {
      const user = await stub.appendUserMessage({
        content: `Question ${i}: ${'detail '.repeat(40)}`,
      });
      await stub.appendGeneration(generation(user.messageId, `Answer ${i}. ${'fact '.repeat(60)}`));
    }
    const budget: ContextBudget = {
      contextWindow: 3_000,
      reserveForAnswer: 500,
      reserveForPassages: 1_000,
      reserveForPrompt: 300,
      keepRecentTurns: 4,
      summaryMaxTokens: 200,
    };
    const plan = await stub.context(budget);
    expect(plan.toFold.length).toBeGreaterThan(0);
    const resolved = await resolveContext(
      [...plan.toFold, ...plan.turns],
      plan.summary,
      budget,
      extractiveSummariser,
    );
    await stub.appendSummary(resolved.newSummary!);
    const after = await stub.context(budget);
    expect(after.toFold).toEqual([]);
    expect(after.summary?.coversThroughSeq).toBe(resolved.newSummary!.coversThroughSeq);
    expect(after.turns.at(-1)?.content).toMatch(/^Answer 29\./);
  });

  it('deletes everything and can start over', async () => {
    const { stub, tenantId, conversationId } = conversation();
    await stub.init({ tenantId, conversationId });
    await stub.appendUserMessage({ content: 'to be forgotten' });
    await stub.delete();
    expect(await stub.meta()).toBeNull();
    await stub.init({ tenantId, conversationId });
    expect(await stub.events()).toEqual([]);
  });
});

describe('CircuitBreaker Durable Object', () => {
  it('opens after consecutive failures, half-opens after the cool-down, closes on success', async () => {
    const stub = env.CIRCUIT_BREAKERS.get(
      env.CIRCUIT_BREAKERS.idFromName(`test:${crypto.randomUUID()}`),
    );
    await stub.configure({ failureThreshold: 2, coolDownMs: 1_000 });
    const t0 = 1_000_000;
    expect(await stub.record('failure', t0)).toEqual({ status: 'closed', transition: null });
    expect(await stub.record('failure', t0)).toEqual({
      status: 'open',
      transition: { from: 'closed', to: 'open' },
    });
    expect(await stub.check(t0 + 10)).toMatchObject({ allowed: false, status: 'open' });
    expect(await stub.check(t0 + 1_000)).toEqual({
      allowed: true,
      status: 'half_open',
      transition: { from: 'open', to: 'half_open' },
    });
    expect((await stub.check(t0 + 1_001)).allowed).toBe(false);
    expect(await stub.record('success', t0 + 1_002)).toEqual({
      status: 'closed',
      transition: { from: 'half_open', to: 'closed' },
    });
  });

  it('lets only one of many concurrent callers probe', async () => {
    const stub = env.CIRCUIT_BREAKERS.get(
      env.CIRCUIT_BREAKERS.idFromName(`test:${crypto.randomUUID()}`),
    );
    await stub.configure({ failureThreshold: 1, coolDownMs: 1_000 });
    await stub.record('failure', 0);
    const checks = await Promise.all(Array.from({ length: 20 }, () => stub.check(5_000)));
    expect(checks.filter((c) => c.allowed)).toHaveLength(1);
  });
});
