import type { ContextPlan } from './context';
import type { ConversationEvent, GenerationData, RetrievalData } from './conversation-log';
import type { ConversationLog } from './turn';

/**
 * A conversation log that lives for one request: one-shot answers run the same turn as a
 * stored conversation, with no history and nothing persisted.
 */
export function ephemeralConversation(): ConversationLog & { events: ConversationEvent[] } {
  const events: ConversationEvent[] = [];
  const push = (event: Omit<ConversationEvent, 'seq' | 'at'>) => {
    const seq = events.length + 1;
    events.push({ ...event, seq, at: Date.now() } as ConversationEvent);
    return seq;
  };
  const empty: ContextPlan = {
    summary: null,
    turns: [],
    toFold: [],
    summaryMaxTokens: 0,
    historyTokens: 0,
  };
  return {
    events,
    async appendUserMessage({ content }) {
      const messageId = crypto.randomUUID();
      return { messageId, seq: push({ type: 'user_message', messageId, data: { content } }) };
    },
    async appendRetrieval(messageId: string, data: RetrievalData) {
      return { seq: push({ type: 'retrieval', messageId, data }) };
    },
    async appendGeneration({
      messageId = crypto.randomUUID(),
      ...data
    }: GenerationData & {
      messageId?: string;
    }) {
      return { messageId, seq: push({ type: 'generation', messageId, data }) };
    },
    async appendSummary(data) {
      return { seq: push({ type: 'summary', messageId: null, data }) };
    },
    async context() {
      return empty;
    },
  };
}
