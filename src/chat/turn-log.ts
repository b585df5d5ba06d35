import type { RetrievalData } from './conversation-log';
import type { ConversationLog } from './turn';

/** The Conversation object's one-transaction turn write (durable-objects/conversation.ts). */
export interface TurnCommit {
  appendTurn(turn: {
    user: { messageId: string; content: string };
    retrieval: RetrievalData | null;
    generation: Parameters<ConversationLog['appendGeneration']>[0];
  }): Promise<{ userSeq: number; messageId: string; seq: number }>;
}

/**
 * Sorts after every event already in the log: a turn's history is everything logged before its
 * question, and the question is not logged yet.
 */
const NOT_YET_LOGGED = Number.MAX_SAFE_INTEGER;

/**
 * A conversation log that writes a turn's question and retrieval only together with its
 * answer, in one transaction of the Conversation object. A turn that fails before it has an
 * answer (retrieval fails, the client goes away, the database is down) therefore never leaves a
 * question without a reply in the log, and a retried request does not find its own question
 * in the history. Summaries of earlier turns are still written at once: they stand on their own.
 */
export function deferredTurnLog(log: ConversationLog & TurnCommit): ConversationLog {
  let user: { messageId: string; content: string } | null = null;
  let retrieval: RetrievalData | null = null;
  return {
    async appendUserMessage({ content }) {
      user = { messageId: crypto.randomUUID(), content };
      retrieval = null;
      return { messageId: user.messageId, seq: NOT_YET_LOGGED };
    },
    async appendRetrieval(_messageId, data) {
      retrieval = data;
      return { seq: NOT_YET_LOGGED };
    },
    async appendGeneration(generation) {
      if (!user) return log.appendGeneration(generation);
      const turn = { user, retrieval, generation };
      user = null;
      retrieval = null;
      const { messageId, seq } = await log.appendTurn(turn);
      return { messageId, seq };
    },
    appendSummary: (data) => log.appendSummary(data),
    context: (budget) => log.context(budget),
  };
}
