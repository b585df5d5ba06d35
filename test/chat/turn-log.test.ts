// A failed turn never leaves a question without an answer in the conversation log: the route's
// log (deferredTurnLog) writes the question, its retrieval and the answer in one transaction of
// the real Conversation object, only once there is an answer.
import { memoryBudgetLedger } from '../../src/ai/usage/budget';
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { createAnthropicClient } from '../../src/ai/llm/anthropic';
import { extractiveSummariser } from '../../src/chat/summarise';
import { runChatTurn, type ChatTurnDeps } from '../../src/chat/turn';
import { deferredTurnLog } from '../../src/chat/turn-log';
import { failoverOver, PRIMARY, SECONDARY, smallContextBudget } from '../support/chat-turn';
import { freshKey, script } from './fake';
import { samplePassages } from './passages';

async function setup() {
  const apiKey = freshKey();
  const tenantId = crypto.randomUUID();
  const conversationId = crypto.randomUUID();
  const stub = env.CONVERSATIONS.get(env.CONVERSATIONS.idFromName(`${tenantId}:${conversationId}`));
  await stub.init({ tenantId, conversationId });
  const deps: ChatTurnDeps = {
    tenantId,
    conversation: deferredTurnLog(stub),
    retriever: { retrieve: async () => samplePassages() },
    summariser: extractiveSummariser,
    usage: { budget: async () => memoryBudgetLedger(5), record: async () => {} },
    failover: failoverOver(createAnthropicClient({ apiKey, baseURL: env.ANTHROPIC_BASE_URL })),
    contextBudget: smallContextBudget(),
  };
  return { apiKey, stub, deps };
}

async function drain(deps: ChatTurnDeps, question: string, signal?: AbortSignal) {
  for await (const _ of runChatTurn(deps, question, signal)) {
    // run the turn to its end
  }
}

describe('conversation log of a failed turn', () => {
  it('logs a successful turn as question, retrieval and answer, in order', async () => {
    const { stub, deps } = await setup();
    await drain(deps, 'How many days do customers have to request a refund?');
    await drain(deps, 'And how long does shipping take?');
    const log = await stub.events();
    expect(log.map((e) => e.type)).toEqual([
      'user_message',
      'retrieval',
      'generation',
      'user_message',
      'retrieval',
      'generation',
    ]);
    const [question, , answer] = log;
    expect(answer!.type === 'generation' && answer!.data.replyTo).toBe(question!.messageId);
    // The second question carried the first turn as history.
    expect((await stub.messages()).map((m: { role: string }) => m.role)).toEqual([
      'user',
      'assistant',
      'user',
      'assistant',
    ]);
  });

  it('leaves no question behind when every answer tier fails', async () => {
    const { apiKey, stub, deps } = await setup();
    await script(apiKey, PRIMARY, [{ status: 500 }]);
    await script(apiKey, SECONDARY, [{ status: 529 }]);
    // Both models fail, then the cache tier's lookup fails too (its database is down).
    deps.failover.cache = {
      lookup: async () => {
        throw new Error('answer cache unavailable');
      },
    };
    await expect(
      drain(deps, 'How many days do customers have to request a refund?'),
    ).rejects.toThrow('answer cache unavailable');
    expect(await stub.events()).toEqual([]);
  });

  it('leaves no question behind when retrieval fails', async () => {
    const { stub, deps } = await setup();
    deps.retriever = {
      retrieve: async () => {
        throw new Error('vector store unavailable');
      },
    };
    await expect(drain(deps, 'Where is the refund policy?')).rejects.toThrow('unavailable');
    expect(await stub.events()).toEqual([]);
  });

  it('leaves no question behind when the client goes away mid-answer', async () => {
    const { apiKey, stub, deps } = await setup();
    await script(apiKey, PRIMARY, [{ chunkDelayMs: 200 }]);
    const controller = new AbortController();
    const turn = (async () => {
      for await (const event of runChatTurn(deps, 'How do refunds work?', controller.signal)) {
        if (event.type === 'delta') controller.abort();
      }
    })();
    await expect(turn).rejects.toThrow();
    expect(await stub.events()).toEqual([]);
  });
});
