/**
 * What the Conversation Durable Object (durable-objects/conversation.ts) returns from the RPC
 * methods that can refuse a request. A refusal is a value, not a throw: an error thrown across
 * RPC arrives as a bare message string, which callers could only decode by its prefix.
 */
export interface ConversationMeta {
  tenantId: string;
  conversationId: string;
  title?: string | null;
  createdAt: number;
}

/** `init`: the id is already taken by another tenant or conversation. */
export type InitResult =
  { ok: true; meta: ConversationMeta } | { ok: false; error: 'conversation_conflict' };

/** `addFeedback`: the rated message is not an answer in this conversation. */
export type FeedbackResult = { ok: true; seq: number } | { ok: false; error: 'message_not_found' };

export type ConversationRefusal = Extract<InitResult | FeedbackResult, { ok: false }>['error'];
