import { z } from '@hono/zod-openapi';
import { Tag } from '../documents/schemas';
import { SearchFiltersSchema } from '../search/schemas';

export const ChatScopeSchema = z
  .object({
    documentIds: z.array(z.uuid()).max(1000).optional(),
    tags: z.array(Tag).max(32).optional(),
    filters: SearchFiltersSchema.omit({ documentIds: true, tags: true }).optional(),
  })
  .strict()
  .openapi('ChatScope');

export const ConversationIdParam = z.object({
  id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }),
});

export const MessageIdParam = ConversationIdParam.extend({
  mid: z.uuid().openapi({ param: { name: 'mid', in: 'path' } }),
});

export const CreateConversationBody = z
  .object({
    title: z.string().trim().min(1).max(512).optional(),
    scope: ChatScopeSchema.optional(),
  })
  .strict()
  .openapi('CreateConversation');

export const ConversationSchema = z
  .object({
    id: z.uuid(),
    title: z.string().nullable(),
    scope: ChatScopeSchema,
    messageCount: z.number().int(),
    ownerUserId: z.string().nullable().openapi({
      description: 'The end user who started it; null when an API key did',
    }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Conversation');

export const ListConversationsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(512).optional(),
});

const Question = z.string().trim().min(1).max(8000);

export const SendMessageBody = z
  .object({ content: Question, stream: z.boolean().default(false) })
  .strict()
  .openapi('SendMessage');

export const OneShotBody = z
  .object({
    question: Question,
    scope: ChatScopeSchema.optional(),
    stream: z.boolean().default(false),
  })
  .strict()
  .openapi('AnswerRequest');

export const FeedbackBody = z
  .object({ rating: z.enum(['up', 'down']), comment: z.string().trim().max(2000).optional() })
  .strict()
  .openapi('Feedback');

export const EventsQuery = z.object({
  afterSeq: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

const Tier = z.enum(['primary', 'secondary', 'cache', 'extractive']);

const CitationSchema = z
  .object({
    citeId: z.string(),
    chunkId: z.string().nullable(),
    documentId: z.string().nullable(),
    start: z.number().int().nullable(),
    end: z.number().int().nullable(),
    quote: z.string(),
    verified: z.boolean(),
  })
  .openapi('Citation');

export const AnswerSchema = z
  .object({
    messageId: z.string(),
    answer: z.string(),
    citations: z.array(CitationSchema),
    tier: Tier,
    skipped: z.array(
      z.object({
        tier: Tier,
        reason: z.string(),
        model: z.string().optional(),
        error: z.object({ kind: z.string(), message: z.string() }).passthrough().optional(),
      }),
    ),
    usage: z.object({
      tier: Tier,
      model: z.string().nullable(),
      inputTokens: z.number().int(),
      outputTokens: z.number().int(),
      costUsd: z.number(),
    }),
    retrieval: z.object({
      chunks: z.array(
        z.object({
          citeId: z.string(),
          chunkId: z.string(),
          documentId: z.string(),
          title: z.string().nullable(),
          score: z.number(),
        }),
      ),
      injectionFlags: z.record(z.string(), z.array(z.string())),
      latencyMs: z.number().nullable(),
      /** Retrieval legs that failed for this answer (see SearchResponse.degraded). */
      degraded: z.array(z.enum(['semantic', 'keyword'])),
    }),
  })
  .openapi('Answer');

/** An answer is one JSON body, or named SSE events as it is written (`stream: true`). */
export const AnswerContent = {
  'application/json': { schema: AnswerSchema },
  'text/event-stream': {
    schema: z.string().openapi({
      description:
        'Named events: retrieval, delta, retract, citation, usage, done, error (data is JSON).',
    }),
  },
};

export const ConversationPageSchema = z.object({
  data: z.array(ConversationSchema),
  nextCursor: z.string().nullable(),
});

export const ConversationDetailSchema = ConversationSchema.extend({
  messages: z.array(z.record(z.string(), z.unknown())),
  summary: z.string().nullable(),
});

export const FeedbackRecordSchema = z.object({
  messageId: z.string(),
  rating: z.enum(['up', 'down']),
  comment: z.string().nullable(),
  seq: z.number().int(),
});

export const EventsPageSchema = z.object({
  data: z.array(z.record(z.string(), z.unknown())),
  nextAfterSeq: z.number().int().nullable(),
});
