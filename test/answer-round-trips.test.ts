import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RetrievedPassage } from '../src/ai/answer/passages';
import { LocalEmbedder } from '../src/ai/embed/local';
import { memoryBreakers } from '../src/ai/reliability/breakers';
import { memoryBudgetLedger, type BudgetLedger } from '../src/ai/usage/budget';
import { createApp } from '../src/app';
import { ephemeralConversation } from '../src/chat/ephemeral';
import { runChatTurn, type ChatEvent, type ChatTurnDeps } from '../src/chat/turn';
import { extractiveSummariser } from '../src/chat/summarise';
import { DEFAULT_CONTEXT_BUDGET } from '../src/chat/context';
import type { Env } from '../src/env';
import { freshKey } from './chat/fake';
import { samplePassages } from './chat/passages';
import { BASE, newTenant, uploadText, withDb, type TestClient } from './helpers';
import { waitForReady } from './support/poll';

// `/v1/answer` and chat turns: the question is embedded once per answer, and the budget read and
// the answer-cache lookup run while retrieval does (docs/performance.md).

/** Stands in for the Workers AI binding: local vectors, every call recorded. */
function countingAi() {
  const local = new LocalEmbedder();
  const calls: string[][] = [];
  const ai = {
    async run(_model: string, inputs: { text: string[] }) {
      calls.push(inputs.text);
      return { shape: [inputs.text.length, 768], data: await local.embed(inputs.text) };
    },
  };
  return { ai: ai as unknown as Ai, calls };
}

async function answerDirect(client: TestClient, body: unknown, overrides: Partial<Env>) {
  const ctx = createExecutionContext();
  const res = await createApp().fetch(
    new Request(`${BASE}/v1/answer`, {
      method: 'POST',
      headers: { authorization: `Bearer ${client.key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }),
    { ...env, ...overrides } as Env,
    ctx,
  );
  const json = (await res.json()) as any;
  await waitOnExecutionContext(ctx);
  return { status: res.status, body: json };
}

let client: TestClient;
let docId: string;

beforeAll(async () => {
  client = await newTenant('editor', 'answer-rt');
  await withDb((db) =>
    db.execute(sql`UPDATE tenants SET settings = '{"rateLimits":{"chat":{"capacity":100,"refillPerSecond":10}}}'::jsonb
      WHERE id = ${client.tenantId}::uuid`),
  );
  const { body } = await uploadText(
    client,
    '# Lighthouse log\n\nThe lighthouse lamp is lit at dusk and trimmed every four hours.',
    '?title=Lighthouse',
    'text/markdown',
  );
  docId = body.document.id;
  await waitForReady(client, docId, 30_000);
});

describe('one embedding per answer', () => {
  it('/v1/answer sends the question to the embedding model once', async () => {
    const { ai, calls } = countingAi();
    // Unique, so no isolate-level memo from an earlier test can hide a call.
    const question = `How often is the lighthouse lamp trimmed? (${crypto.randomUUID()})`;
    const res = await answerDirect(
      client,
      { question, scope: { documentIds: [docId] } },
      {
        EMBEDDING_BACKEND: 'workers-ai',
        AI: ai,
        // The fake model under this test's own key and model names (no shared breaker state).
        ANTHROPIC_API_KEY: freshKey(),
        ANTHROPIC_MODEL_PRIMARY: `claude-sonnet-4-5-${crypto.randomUUID().slice(0, 8)}`,
        ANTHROPIC_MODEL_SECONDARY: `claude-haiku-4-5-${crypto.randomUUID().slice(0, 8)}`,
      },
    );
    expect(res.status).toBe(200);
    expect(res.body.tier).toBe('primary');
    const withQuestion = calls.filter((texts) => texts.includes(question));
    expect(withQuestion).toHaveLength(1);
  });
});

describe('budget and answer cache beside retrieval', () => {
  it('reads the budget and starts the cache lookup before retrieval returns', async () => {
    const question = 'How long do customers have to ask for a refund?';
    let releaseRetrieval!: (passages: RetrievedPassage[]) => void;
    let releaseBudget!: (budget: BudgetLedger) => void;
    let retrievalPending = false;
    let budgetCalled = false;
    const prefetched: string[] = [];
    const deps: ChatTurnDeps = {
      tenantId: crypto.randomUUID(),
      conversation: ephemeralConversation(),
      retriever: {
        retrieve: () => {
          retrievalPending = true;
          return new Promise((resolve) => (releaseRetrieval = resolve));
        },
      },
      summariser: extractiveSummariser,
      usage: {
        budget: () => {
          budgetCalled = true;
          return new Promise((resolve) => (releaseBudget = resolve));
        },
        record: async () => {},
      },
      failover: { llm: null, models: { primary: 'p', secondary: 's' }, breakers: memoryBreakers() },
      contextBudget: DEFAULT_CONTEXT_BUDGET,
      prefetchAnswer: (q) => prefetched.push(q),
    };
    const turn = runChatTurn(deps, question);
    const events: ChatEvent[] = [(await turn.next()).value as ChatEvent];
    const next = turn.next();
    // Let the turn run up to where it waits (nothing in it does I/O before that point).
    await new Promise((r) => setTimeout(r, 0));
    // Retrieval is running, and so are the budget read and the cache lookup: neither waited
    // for the other.
    expect(retrievalPending).toBe(true);
    expect(budgetCalled).toBe(true);
    expect(prefetched).toEqual([question]);
    releaseRetrieval(samplePassages());
    releaseBudget(memoryBudgetLedger(1));
    events.push((await next).value as ChatEvent);
    for await (const event of turn) events.push(event);
    expect(events.at(-1)).toMatchObject({ type: 'saved' });
  });

  it('does not start the lookup for a follow-up question', async () => {
    const prefetched: string[] = [];
    const conversation = ephemeralConversation();
    const deps: ChatTurnDeps = {
      tenantId: crypto.randomUUID(),
      conversation: {
        ...conversation,
        // One earlier turn: the new question depends on it.
        context: async () => ({
          summary: null,
          turns: [{ seq: 0, role: 'user', content: 'Tell me about refunds.' }],
          toFold: [],
          summaryMaxTokens: 0,
          historyTokens: 10,
        }),
      },
      retriever: { retrieve: async () => samplePassages() },
      summariser: extractiveSummariser,
      usage: { budget: async () => memoryBudgetLedger(1), record: async () => {} },
      failover: { llm: null, models: { primary: 'p', secondary: 's' }, breakers: memoryBreakers() },
      contextBudget: DEFAULT_CONTEXT_BUDGET,
      prefetchAnswer: (question) => prefetched.push(question),
    };
    for await (const _ of runChatTurn(deps, 'And how long do they take?'));
    expect(prefetched).toEqual([]);
  });
});
