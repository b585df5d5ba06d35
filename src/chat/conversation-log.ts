import type { Citation } from '../ai/answer/citations';
import type { Skipped, Tier } from '../ai/llm/failover';

/** The append-only log of a conversation. Messages and the summary are projections of it. */
export interface UserMessageData {
  content: string;
}

export interface RetrievalData {
  query: string;
  chunks: Array<{ chunkId: string; documentId: string; score: number }>;
  /** chunkId -> names of the injection patterns that matched (only flagged chunks). */
  injectionFlags: Record<string, string[]>;
}

export interface GenerationData {
  replyTo: string;
  text: string;
  tier: Tier;
  model: string | null;
  promptTokens: number;
  outputTokens: number;
  costUsd: number;
  latencyMs: number;
  firstDeltaMs: number | null;
  finishReason: string;
  fallbackUsed: boolean;
  skipped: Skipped[];
  citations: Citation[];
}

export interface FeedbackData {
  rating: 'up' | 'down';
  comment: string | null;
}

export interface SummaryData {
  text: string;
  /** The summary covers every message with seq <= this. */
  coversThroughSeq: number;
}

interface EventBase {
  seq: number;
  at: number;
  /** The message the event is about (its own id for user_message/generation). */
  messageId: string | null;
}

export type ConversationEvent =
  | (EventBase & { type: 'user_message'; data: UserMessageData })
  | (EventBase & { type: 'retrieval'; data: RetrievalData })
  | (EventBase & { type: 'generation'; data: GenerationData })
  | (EventBase & { type: 'feedback'; data: FeedbackData })
  | (EventBase & { type: 'summary'; data: SummaryData });

export type EventType = ConversationEvent['type'];

export interface ChatMessage {
  id: string;
  seq: number;
  at: number;
  role: 'user' | 'assistant';
  content: string;
  replyTo?: string;
  tier?: Tier;
  model?: string | null;
  citations?: Citation[];
  feedback?: FeedbackData & { at: number };
}

/** Folds the log into the visible messages, in log order; the latest feedback wins. */
export function projectMessages(events: ConversationEvent[]): ChatMessage[] {
  const messages: ChatMessage[] = [];
  const byId = new Map<string, ChatMessage>();
  for (const event of events) {
    if (event.type === 'user_message' && event.messageId) {
      const message: ChatMessage = {
        id: event.messageId,
        seq: event.seq,
        at: event.at,
        role: 'user',
        content: event.data.content,
      };
      messages.push(message);
      byId.set(message.id, message);
    } else if (event.type === 'generation' && event.messageId) {
      const message: ChatMessage = {
        id: event.messageId,
        seq: event.seq,
        at: event.at,
        role: 'assistant',
        content: event.data.text,
        replyTo: event.data.replyTo,
        tier: event.data.tier,
        model: event.data.model,
        citations: event.data.citations,
      };
      messages.push(message);
      byId.set(message.id, message);
    } else if (event.type === 'feedback' && event.messageId) {
      const target = byId.get(event.messageId);
      if (target) target.feedback = { ...event.data, at: event.at };
    }
  }
  return messages;
}

/** The most recent summary event, if any. */
export function projectSummary(events: ConversationEvent[]): SummaryData | null {
  for (let i = events.length - 1; i >= 0; i -= 1) {
    const event = events[i]!;
    if (event.type === 'summary') return event.data;
  }
  return null;
}
