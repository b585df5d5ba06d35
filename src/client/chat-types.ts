// Chat types, from the server's zod schemas and SSE payload types (type-only imports).
import type { z } from '@hono/zod-openapi';
import type { ApiChatEvent } from '../chat/turn-stream';
import type { ChatMessage } from '../chat/conversation-log';
import type {
  AnswerSchema,
  ConversationSchema,
  CreateConversationBody,
  FeedbackBody,
} from '../chat/schemas';

type Named<E> = E extends { event: infer T; data: infer D } ? { type: T; data: D } : never;

/** The stream closes with this when the turn fails after headers were sent. */
export interface ErrorEvent {
  type: 'error';
  data: { type?: 'error'; code: string; message: string };
}

/** retrieval, delta, retract (drop the text so far: another tier follows), citation, usage, done, error. */
export type ChatEvent = Named<ApiChatEvent> | ErrorEvent;
export type DeltaEvent = Extract<ChatEvent, { type: 'delta' }>;
export type CitationEvent = Extract<ChatEvent, { type: 'citation' }>;
export type DoneEvent = Extract<ChatEvent, { type: 'done' }>;

export type Conversation = z.output<typeof ConversationSchema>;
export type CreateConversationRequest = z.input<typeof CreateConversationBody>;
export type ConversationDetail = Conversation & {
  messages: ChatMessage[];
  summary: string | null;
};
export type Feedback = z.input<typeof FeedbackBody>;
export type Answer = z.output<typeof AnswerSchema>;
