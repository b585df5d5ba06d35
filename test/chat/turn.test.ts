import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { PassageRetriever, RetrievedPassage } from '../../src/ai/answer/passages';
import { createAnthropicClient } from '../../src/ai/llm/anthropic';
import { memoryBudgetLedger } from '../../src/ai/usage/budget';
import type { UsageDelta } from '../../src/usage/record';
import { runChatTurn, type ChatEvent, type ChatTurnDeps } from '../../src/chat/turn';
import { llmSummariser } from '../../src/chat/summarise';
import { estimateTokens } from '../../src/ai/tokens';
import { failoverOver, PRIMARY, SECONDARY, smallContextBudget } from '../support/chat-turn';
import { freshKey, received, script } from './fake';
import { samplePassages } from './passages';

function retrieverOf(passages: RetrievedPassage[]): PassageRetriever {
  return { retrieve: async () => passages };
}

function setup(limitUsd = 5) {
  const apiKey = freshKey();
  const tenantId = crypto.randomUUID();
  const conversationId = crypto.randomUUID();
  const stub = env.CONVERSATIONS.get(env.CONVERSATIONS.idFromName(`${tenantId}:${conversationId}`));
  const ledger: UsageDelta[] = [];
  const budget = memoryBudgetLedger(limitUsd);
  const llm = createAnthropicClient({ apiKey, baseURL: env.ANTHROPIC_BASE_URL });
  const deps: ChatTurnDeps = {
    tenantId,
    conversation: stub,
    retriever: retrieverOf(samplePassages()),
    summariser: llmSummariser(llm, SECONDARY, { budget }),
    usage: {
      budget: async () => budget,
      record: async (delta) => {
        ledger.push(delta);
      },
    },
    failover: failoverOver(llm),
    contextBudget: smallContextBudget(),
  };
  return { apiKey, tenantId, conversationId, stub, deps, ledger, budget };
}

async function turn(deps: ChatTurnDeps, question: string): Promise<ChatEvent[]> {
  const events: ChatEvent[] = [];
  for await (const event of runChatTurn(deps, question)) events.push(event);
  return events;
}

describe('chat turn', () => {
  it('logs the question, retrieval and generation, and charges usage', async () => {
    const { apiKey, tenantId, conversationId, stub, deps, ledger, budget } = setup();
    await stub.init({ tenantId, conversationId });
    const events = await turn(deps, 'How many days do customers have to request a refund?');
    expect(events[0]).toMatchObject({ type: 'message' });
    expect(events.at(-1)).toMatchObject({ type: 'saved' });
    const done = events.find((e) => e.type === 'done');
    if (done?.type !== 'done') throw new Error('no done event');
    expect(done.result.tier).toBe('primary');

    const log = await stub.events();
    expect(log.map((e) => e.type)).toEqual(['user_message', 'retrieval', 'generation']);
    const generation = log[2]!;
    expect(generation.type === 'generation' && generation.data).toMatchObject({
      tier: 'primary',
      model: PRIMARY,
      fallbackUsed: false,
      citations: [expect.objectContaining({ chunkId: 'chunk-refunds', verified: true })],
    });
    expect(ledger).toEqual([{ answers: 1 }]);
    expect(budget.state.settlements).toEqual([
      expect.objectContaining({ model: PRIMARY, costUsd: done.result.costUsd }),
    ]);
    expect(budget.state).toMatchObject({ reservedUsd: 0, spentUsd: done.result.costUsd });
    expect((await received(apiKey)).map((r) => r.model)).toEqual([PRIMARY]);
  });

  it('carries history, folds it with the model summariser when long, and logs the fallback', async () => {
    const { apiKey, tenantId, conversationId, stub, deps } = setup();
    await stub.init({ tenantId, conversationId });
    for (let i = 0; i < 12; i += 1) {
      await turn(deps, `Question ${i} about refunds and ${'shipping details '.repeat(90)}?`);
    }
    const log = await stub.events();
    expect(log.some((e) => e.type === 'summary')).toBe(true);
    const requests = await received(apiKey);
    const summaryCalls = requests.filter((r) => r.system.includes('running summary'));
    expect(summaryCalls.length).toBeGreaterThan(0);
    // Every answer prompt fits the configured window, by the one token estimate the app plans
    // with (it errs above a BPE tokenizer's count, see src/ai/tokens.ts).
    for (const r of requests) {
      const prompt = [r.system, ...r.messages.map((m) => m.content)].join('\n');
      expect(estimateTokens(prompt) + r.max_tokens).toBeLessThanOrEqual(
        deps.contextBudget.contextWindow,
      );
    }

    await script(apiKey, PRIMARY, [{ status: 529 }]);
    const events = await turn(deps, 'How long do refunds take?');
    const done = events.find((e) => e.type === 'done');
    expect(done?.type === 'done' && done.result.tier).toBe('secondary');
    const last = (await stub.events()).at(-1)!;
    expect(last.type === 'generation' && last.data).toMatchObject({
      tier: 'secondary',
      fallbackUsed: true,
      skipped: [expect.objectContaining({ tier: 'primary', reason: 'failed' })],
    });
  });

  it('charges every model call of a conversation, the summariser included', async () => {
    const { apiKey, tenantId, conversationId, stub, deps, budget } = setup();
    await stub.init({ tenantId, conversationId });
    for (let i = 0; i < 12; i += 1) {
      await turn(deps, `Question ${i} about refunds and ${'shipping details '.repeat(90)}?`);
    }
    const requests = await received(apiKey);
    const summaries = requests.filter((r) => r.system.includes('running summary'));
    expect(summaries.length).toBeGreaterThan(0);
    // One settlement per request the provider saw, answers and summaries alike.
    expect(budget.state.settlements).toHaveLength(requests.length);
    expect(budget.state.settlements.filter((s) => s.model === SECONDARY)).toHaveLength(
      summaries.length,
    );
    expect(budget.state.reservedUsd).toBeCloseTo(0, 12);
  });

  it('sends no model call, not even a summary, once the budget is spent', async () => {
    const { apiKey, tenantId, conversationId, stub, deps } = setup(0);
    await stub.init({ tenantId, conversationId });
    for (let i = 0; i < 12; i += 1) {
      const events = await turn(
        deps,
        `Question ${i} about refunds and ${'shipping '.repeat(180)}?`,
      );
      const done = events.find((e) => e.type === 'done');
      expect(done?.type === 'done' && done.result.tier).toBe('extractive');
    }
    // History was still folded, by the extractive summariser.
    expect((await stub.events()).some((e) => e.type === 'summary')).toBe(true);
    expect(await received(apiKey)).toEqual([]);
  });
});
