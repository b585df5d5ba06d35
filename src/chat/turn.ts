import { assignCiteIds, type CitablePassage, type PassageRetriever } from '../ai/answer/passages';
import {
  answerWithFailover,
  type AnswerEvent,
  type AnswerResult,
  type FailoverDeps,
  type FailoverRequest,
} from '../ai/llm/failover';
import { detectInjection } from '../ai/llm/injection';
import type { BudgetLedger } from '../ai/usage/budget';
import type { UsageDelta } from '../usage/record';
import { resolveContext, type ContextBudget, type ContextPlan, type Summariser } from './context';
import type { GenerationData, RetrievalData, SummaryData } from './conversation-log';

/** The Conversation Durable Object's RPC methods a turn uses (a stub satisfies it). */
export interface ConversationLog {
  appendUserMessage(input: { content: string }): Promise<{ messageId: string; seq: number }>;
  appendRetrieval(messageId: string, data: RetrievalData): Promise<{ seq: number }>;
  appendGeneration(
    data: GenerationData & { messageId?: string },
  ): Promise<{ messageId: string; seq: number }>;
  appendSummary(data: SummaryData): Promise<{ seq: number }>;
  context(budget: ContextBudget): Promise<ContextPlan>;
}

/** Per-tenant usage (usage_daily in Postgres). */
export interface UsageLedger {
  /**
   * The tenant's daily budget for this turn's model calls: each call reserves its worst case
   * and settles its actual usage (tokens and cost are charged there, not by `record`).
   */
  budget(): Promise<BudgetLedger>;
  /** Counts the answered turn. */
  record(delta: UsageDelta): Promise<void>;
}

export interface ChatTurnDeps {
  tenantId: string;
  conversation: ConversationLog;
  retriever: PassageRetriever;
  summariser: Summariser;
  usage: UsageLedger;
  failover: Omit<FailoverDeps, 'ledger'>;
  contextBudget: ContextBudget;
  topK?: number;
  documentIds?: string[];
  /** The answering strategy; the failover chain unless a caller wraps it (e.g. cache first). */
  answer?: (
    deps: FailoverDeps,
    request: FailoverRequest,
  ) => AsyncGenerator<AnswerEvent, AnswerResult>;
  /** Starts the answer strategy's lookup for a standalone question while retrieval runs. */
  prefetchAnswer?: (question: string) => void;
}

/** No summary and no earlier turn: the question means the same whatever came before. */
function standsAlone(plan: ContextPlan, seq: number): boolean {
  return !plan.summary && ![...plan.toFold, ...plan.turns].some((t) => t.seq < seq);
}

export type ChatEvent =
  | { type: 'message'; userMessageId: string; assistantMessageId: string }
  | {
      type: 'retrieval';
      passages: CitablePassage[];
      /** chunkId -> injection patterns matched (flagged chunks only). */
      injectionFlags: Record<string, string[]>;
    }
  | AnswerEvent
  | { type: 'saved'; seq: number };

/**
 * One question in a conversation: log it, retrieve, fit the history, answer through the
 * failover chain (each model call charged to the budget as it ends), then log the generation
 * and count the answer. Yields what the client sees.
 */
export async function* runChatTurn(
  deps: ChatTurnDeps,
  question: string,
  signal?: AbortSignal,
): AsyncGenerator<ChatEvent> {
  // Started now and awaited only when the answer needs it: the read runs beside retrieval.
  const budgetRead = deps.usage.budget();
  budgetRead.catch(() => {});
  const user = await deps.conversation.appendUserMessage({ content: question });
  const assistantMessageId = crypto.randomUUID();
  yield { type: 'message', userMessageId: user.messageId, assistantMessageId };

  const planRead = deps.conversation.context(deps.contextBudget);
  const prefetch = deps.prefetchAnswer;
  if (prefetch) {
    planRead.then(
      (plan) => standsAlone(plan, user.seq) && prefetch(question),
      () => {},
    );
  }
  const [retrieved, plan] = await Promise.all([
    deps.retriever.retrieve(deps.tenantId, question, {
      topK: deps.topK ?? 8,
      documentIds: deps.documentIds,
    }),
    planRead,
  ]);
  const passages = assignCiteIds(retrieved);

  const injectionFlags: Record<string, string[]> = {};
  for (const passage of passages) {
    const flag = detectInjection(passage.text);
    if (flag.flagged) injectionFlags[passage.chunkId] = flag.reasons;
  }
  await deps.conversation.appendRetrieval(user.messageId, {
    query: question,
    chunks: passages.map((p) => ({ chunkId: p.chunkId, documentId: p.documentId, score: p.score })),
    injectionFlags,
  });
  yield { type: 'retrieval', passages, injectionFlags };

  // The new question is sent separately, so history stops just before it.
  const earlier = [...plan.toFold, ...plan.turns].filter((t) => t.seq < user.seq);
  const history = await resolveContext(earlier, plan.summary, deps.contextBudget, deps.summariser);
  if (history.newSummary) await deps.conversation.appendSummary(history.newSummary);

  const ledger = await budgetRead;
  let result: AnswerResult | null = null;
  const answer = deps.answer ?? answerWithFailover;
  for await (const event of answer(
    { ...deps.failover, ledger },
    {
      question,
      passages,
      history: {
        summary: history.summary?.text ?? null,
        turns: history.turns.map((t) => ({ role: t.role, content: t.content })),
      },
      maxTokens: deps.contextBudget.reserveForAnswer,
      signal,
    },
  )) {
    if (event.type === 'done') result = event.result;
    yield event;
  }
  if (!result) return;

  // The log entry and the count are independent writes (a DO and Postgres): send both at once.
  // The model calls were already charged, each as it ended (see answerWithFailover).
  const [saved] = await Promise.all([
    deps.conversation.appendGeneration({
      messageId: assistantMessageId,
      replyTo: user.messageId,
      text: result.text,
      tier: result.tier,
      model: result.model,
      promptTokens: result.usage.inputTokens,
      outputTokens: result.usage.outputTokens,
      costUsd: result.costUsd,
      latencyMs: result.latencyMs,
      firstDeltaMs: result.firstDeltaMs,
      finishReason: result.stopReason,
      fallbackUsed: result.fallbackUsed,
      skipped: result.skipped,
      citations: result.citations,
    }),
    deps.usage.record({ answers: 1 }),
  ]);
  yield { type: 'saved', seq: saved.seq };
}
