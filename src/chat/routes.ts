import { createRoute, z } from '@hono/zod-openapi';
import { and, desc, eq, isNull, sql, type SQL } from 'drizzle-orm';
import { accessOf, isAdminKey, userAccess, type DocumentAccess } from '../access/visibility';
import { openDatabase, type Database } from '../db/client';
import { conversations } from '../db/schema';
import type { Env } from '../env';
import { ApiError } from '../errors';
import { decodeCursor, encodeCursor, isCursorTimestamp, isUuid } from '../http/cursor';
import { AUTHENTICATED, errorResponses } from '../http/openapi';
import { idempotency } from '../http/idempotent-response';
import { createRouter } from '../http/router';
import { conversationStub } from './conversation-stub';
import type { MetricsRecorder } from '../metrics';
import type { Principal } from '../types';
import { authorize } from '../middleware/auth';
import { answerBody, sseBody, toApiEvents } from './api-events';
import { ephemeralConversation } from './ephemeral';
import type { RetrievalTiming } from './retriever';
import {
  AnswerSchema,
  ConversationIdParam,
  ConversationSchema,
  CreateConversationBody,
  EventsQuery,
  FeedbackBody,
  ListConversationsQuery,
  MessageIdParam,
  OneShotBody,
  SendMessageBody,
} from './schemas';
import type { ChatScope } from './scope';
import { chatTurnDeps } from './setup';
import { deferredTurnLog } from './turn-log';
import { runChatTurn, type ChatEvent, type ConversationLog } from './turn';

export const chatRouter = createRouter();

const answerContent = {
  'application/json': { schema: AnswerSchema },
  'text/event-stream': {
    schema: z.string().openapi({
      description:
        'Named events: retrieval, delta, retract, citation, usage, done, error (data is JSON).',
    }),
  },
};

type ConversationRow = typeof conversations.$inferSelect;

const conversationDto = (row: ConversationRow) => ({
  id: row.id,
  title: row.title,
  scope: row.scope as ChatScope,
  messageCount: row.messageCount,
  ownerUserId: row.ownerUserId,
  createdAt: row.createdAt.toISOString(),
  updatedAt: row.updatedAt.toISOString(),
});

/**
 * Conversations belong to their creator (issue #16): a user token reaches its user's; an API
 * key without admin rights the ones it started itself; owner and admin keys the tenant's.
 */
function conversationOwnership(principal: Principal): SQL | undefined {
  if (principal.userId !== null) return eq(conversations.ownerUserId, principal.userId);
  if (isAdminKey(principal)) return undefined;
  return and(isNull(conversations.ownerUserId), eq(conversations.createdByKeyId, principal.keyId));
}

async function requireConversation(db: Database, principal: Principal, id: string) {
  const [row] = await db
    .select()
    .from(conversations)
    .where(
      and(
        eq(conversations.tenantId, principal.tenantId),
        eq(conversations.id, id),
        conversationOwnership(principal),
      ),
    );
  if (!row) throw ApiError.notFound('conversation');
  return row;
}

/**
 * Whose documents a conversation's answers draw on: its owner's. A user asks with their own
 * token's reach; an admin key answering in a user's conversation keeps to that user's reach.
 */
function conversationAccess(principal: Principal, row: ConversationRow): DocumentAccess | null {
  if (row.ownerUserId === null) return accessOf(principal);
  return principal.userId === row.ownerUserId ? accessOf(principal) : userAccess(row.ownerUserId);
}

/** The Durable Object reports failures as `code: message`; map the known ones to HTTP. */
function fromObjectError(error: unknown): never {
  const message = error instanceof Error ? error.message : String(error);
  if (message.startsWith('conversation_not_found')) throw ApiError.notFound('conversation');
  if (message.startsWith('message_not_found')) throw ApiError.notFound('answer message');
  if (message.startsWith('conversation_conflict')) {
    throw new ApiError(409, 'conflict', 'the conversation id is already in use');
  }
  throw error;
}

const describeStreamError = (error: unknown) =>
  error instanceof ApiError
    ? { code: error.code, message: error.message }
    : { code: 'internal_error', message: 'the answer could not be completed' };

interface TurnInput {
  env: Env;
  tenantId: string;
  access: DocumentAccess | null;
  scope: ChatScope | undefined;
  conversation: ConversationLog;
  question: string;
  /** Called after the answer is saved (stored conversations bump their row). */
  afterTurn?: (db: Database) => Promise<void>;
}

/**
 * Answers one question, as SSE or as one JSON body. A streamed turn outlives the handler,
 * so it opens (and closes) its own database pool instead of the request's.
 */
async function respond(
  c: {
    env: Env;
    var: { db: Database; metrics: MetricsRecorder };
    executionCtx: Pick<ExecutionContext, 'waitUntil'>;
  },
  input: TurnInput,
  stream: boolean,
) {
  const metrics = c.var.metrics;
  // Budget settlements outlive a client that disconnects mid-answer.
  const waitUntil = (promise: Promise<unknown>) => c.executionCtx.waitUntil(promise);
  if (!stream) {
    const { deps, retriever } = await chatTurnDeps({ ...input, db: c.var.db, metrics, waitUntil });
    const body = await answerBody(turnWithEpilogue(deps, input, c.var.db), retriever.lastTiming);
    return Response.json(body, { status: 200 });
  }
  const pool = openDatabase(input.env);
  let timing: () => RetrievalTiming | null = () => null;
  async function* events(): AsyncGenerator<ChatEvent> {
    try {
      const { deps, retriever } = await chatTurnDeps({ ...input, db: pool.db, metrics, waitUntil });
      timing = retriever.lastTiming;
      yield* turnWithEpilogue(deps, input, pool.db);
    } finally {
      await pool.close().catch(() => {});
    }
  }
  const body = sseBody(
    toApiEvents(events(), () => timing()),
    describeStreamError,
  );
  return new Response(body, {
    status: 200,
    headers: {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
    },
  });
}

async function* turnWithEpilogue(
  deps: Awaited<ReturnType<typeof chatTurnDeps>>['deps'],
  input: TurnInput,
  db: Database,
): AsyncGenerator<ChatEvent> {
  let saved = false;
  for await (const event of runChatTurn(deps, input.question)) {
    if (event.type === 'saved') {
      saved = true;
      await input.afterTurn?.(db);
    }
    yield event;
  }
  if (!saved) throw new Error('the turn ended without an answer');
}

chatRouter.openapi(
  createRoute({
    method: 'post',
    path: '/v1/conversations',
    operationId: 'createConversation',
    summary: 'Start a conversation, optionally scoped to documents, tags or filters',
    middleware: [authorize('chat')] as const,
    request: {
      body: { content: { 'application/json': { schema: CreateConversationBody } }, required: true },
    },
    responses: {
      201: {
        content: { 'application/json': { schema: ConversationSchema } },
        description: 'Created',
      },
      ...errorResponses(...AUTHENTICATED, 400, 403, 409, 413, 415),
    },
  }),
  async (c) => {
    const body = c.req.valid('json');
    const { tenantId, userId, keyId } = c.var.principal;
    const id = crypto.randomUUID();
    // The object first: a row always has its object, an object without a row is unreachable.
    await conversationStub(c.env, tenantId, id)
      .init({ tenantId, conversationId: id, title: body.title ?? null })
      .catch(fromObjectError);
    const [row] = await c.var.db
      .insert(conversations)
      .values({
        id,
        tenantId,
        title: body.title ?? null,
        scope: body.scope ?? {},
        ownerUserId: userId,
        createdByKeyId: keyId,
      })
      .returning();
    return c.json(conversationDto(row!), 201);
  },
);

type ListCursor = { u: string; i: string };
const isListCursor = (v: unknown): v is ListCursor =>
  typeof v === 'object' &&
  v !== null &&
  isCursorTimestamp((v as ListCursor).u) &&
  isUuid((v as ListCursor).i);

chatRouter.openapi(
  createRoute({
    method: 'get',
    path: '/v1/conversations',
    operationId: 'listConversations',
    summary: "The caller's conversations (an admin key: the tenant's), most recently active first",
    middleware: [authorize('chat')] as const,
    request: { query: ListConversationsQuery },
    responses: {
      200: {
        content: {
          'application/json': {
            schema: z.object({
              data: z.array(ConversationSchema),
              nextCursor: z.string().nullable(),
            }),
          },
        },
        description: 'A page of conversations',
      },
      ...errorResponses(...AUTHENTICATED, 400, 403),
    },
  }),
  async (c) => {
    const { limit, cursor } = c.req.valid('query');
    const after = cursor ? decodeCursor(cursor, isListCursor) : null;
    const rows = await c.var.db
      .select({
        row: conversations,
        // Full precision for the keyset (a JS Date keeps only milliseconds).
        at: sql<string>`${conversations.updatedAt}::text`,
      })
      .from(conversations)
      .where(
        and(
          eq(conversations.tenantId, c.var.principal.tenantId),
          conversationOwnership(c.var.principal),
          after
            ? sql`(${conversations.updatedAt}, ${conversations.id}) < (${after.u}::timestamptz, ${after.i}::uuid)`
            : undefined,
        ),
      )
      .orderBy(desc(conversations.updatedAt), desc(conversations.id))
      .limit(limit + 1);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return c.json(
      {
        data: page.map((r) => conversationDto(r.row)),
        nextCursor:
          rows.length > limit && last ? encodeCursor({ u: last.at, i: last.row.id }) : null,
      },
      200,
    );
  },
);

chatRouter.openapi(
  createRoute({
    method: 'get',
    path: '/v1/conversations/{id}',
    operationId: 'getConversation',
    summary: 'A conversation with its messages',
    middleware: [authorize('chat')] as const,
    request: { params: ConversationIdParam },
    responses: {
      200: {
        content: {
          'application/json': {
            schema: ConversationSchema.extend({
              messages: z.array(z.record(z.string(), z.unknown())),
              summary: z.string().nullable(),
            }),
          },
        },
        description: 'The conversation',
      },
      ...errorResponses(...AUTHENTICATED, 400, 403, 404),
    },
  }),
  async (c) => {
    const { tenantId } = c.var.principal;
    const row = await requireConversation(c.var.db, c.var.principal, c.req.valid('param').id);
    const stub = conversationStub(c.env, tenantId, row.id);
    const [messages, summary] = await Promise.all([stub.messages(), stub.summary()]).catch(
      fromObjectError,
    );
    return c.json(
      {
        ...conversationDto(row),
        messages: messages as unknown as Array<Record<string, unknown>>,
        summary: summary?.text ?? null,
      },
      200,
    );
  },
);

chatRouter.openapi(
  createRoute({
    method: 'delete',
    path: '/v1/conversations/{id}',
    operationId: 'deleteConversation',
    summary: 'Delete a conversation and its whole event log',
    middleware: [authorize('chat')] as const,
    request: { params: ConversationIdParam },
    responses: {
      204: { description: 'Deleted' },
      ...errorResponses(...AUTHENTICATED, 400, 403, 404),
    },
  }),
  async (c) => {
    const { tenantId } = c.var.principal;
    const row = await requireConversation(c.var.db, c.var.principal, c.req.valid('param').id);
    await conversationStub(c.env, tenantId, row.id).delete();
    await c.var.db
      .delete(conversations)
      .where(and(eq(conversations.tenantId, tenantId), eq(conversations.id, row.id)));
    return c.body(null, 204);
  },
);

chatRouter.openapi(
  createRoute({
    method: 'post',
    path: '/v1/conversations/{id}/messages',
    operationId: 'sendMessage',
    summary: 'Ask a question in a conversation; the answer cites the passages it uses',
    middleware: [authorize('chat'), idempotency()] as const,
    request: {
      params: ConversationIdParam,
      body: { content: { 'application/json': { schema: SendMessageBody } }, required: true },
    },
    responses: {
      200: { content: answerContent, description: 'The answer' },
      ...errorResponses(...AUTHENTICATED, 400, 403, 404, 413, 415),
    },
  }),
  async (c) => {
    const { tenantId } = c.var.principal;
    const body = c.req.valid('json');
    const row = await requireConversation(c.var.db, c.var.principal, c.req.valid('param').id);
    const question = body.content;
    return respond(
      c,
      {
        env: c.env,
        tenantId,
        access: conversationAccess(c.var.principal, row),
        scope: row.scope as ChatScope,
        conversation: deferredTurnLog(conversationStub(c.env, tenantId, row.id)),
        question,
        afterTurn: async (db) => {
          await db
            .update(conversations)
            .set({
              messageCount: sql`${conversations.messageCount} + 2`,
              updatedAt: sql`now()`,
              title: sql`coalesce(${conversations.title}, ${question.slice(0, 120)})`,
            })
            .where(and(eq(conversations.tenantId, tenantId), eq(conversations.id, row.id)));
        },
      },
      body.stream,
    );
  },
);

chatRouter.openapi(
  createRoute({
    method: 'post',
    path: '/v1/answer',
    operationId: 'answer',
    summary: 'One question, one cited answer; nothing is stored',
    middleware: [authorize('chat')] as const,
    request: {
      body: { content: { 'application/json': { schema: OneShotBody } }, required: true },
    },
    responses: {
      200: { content: answerContent, description: 'The answer' },
      ...errorResponses(...AUTHENTICATED, 400, 403, 413, 415),
    },
  }),
  async (c) => {
    const body = c.req.valid('json');
    return respond(
      c,
      {
        env: c.env,
        tenantId: c.var.principal.tenantId,
        access: accessOf(c.var.principal),
        scope: body.scope,
        conversation: ephemeralConversation(),
        question: body.question,
      },
      body.stream,
    );
  },
);

chatRouter.openapi(
  createRoute({
    method: 'post',
    path: '/v1/conversations/{id}/messages/{mid}/feedback',
    operationId: 'sendFeedback',
    summary: 'Rate an answer (the latest rating counts)',
    middleware: [authorize('chat')] as const,
    request: {
      params: MessageIdParam,
      body: { content: { 'application/json': { schema: FeedbackBody } }, required: true },
    },
    responses: {
      201: {
        content: {
          'application/json': {
            schema: z.object({
              messageId: z.string(),
              rating: z.enum(['up', 'down']),
              comment: z.string().nullable(),
              seq: z.number().int(),
            }),
          },
        },
        description: 'Recorded',
      },
      ...errorResponses(...AUTHENTICATED, 400, 403, 404, 413, 415),
    },
  }),
  async (c) => {
    const { tenantId } = c.var.principal;
    const { id, mid } = c.req.valid('param');
    const body = c.req.valid('json');
    const row = await requireConversation(c.var.db, c.var.principal, id);
    const { seq } = await conversationStub(c.env, tenantId, row.id)
      .addFeedback(mid, body.rating, body.comment ?? null)
      .catch(fromObjectError);
    return c.json({ messageId: mid, rating: body.rating, comment: body.comment ?? null, seq }, 201);
  },
);

chatRouter.openapi(
  createRoute({
    method: 'get',
    path: '/v1/conversations/{id}/events',
    operationId: 'listConversationEvents',
    summary: "The conversation's event log, in order (audit and replay)",
    middleware: [authorize('chat')] as const,
    request: { params: ConversationIdParam, query: EventsQuery },
    responses: {
      200: {
        content: {
          'application/json': {
            schema: z.object({
              data: z.array(z.record(z.string(), z.unknown())),
              nextAfterSeq: z.number().int().nullable(),
            }),
          },
        },
        description: 'Events after `afterSeq`',
      },
      ...errorResponses(...AUTHENTICATED, 400, 403, 404),
    },
  }),
  async (c) => {
    const { tenantId } = c.var.principal;
    const { afterSeq, limit } = c.req.valid('query');
    const row = await requireConversation(c.var.db, c.var.principal, c.req.valid('param').id);
    const events = await conversationStub(c.env, tenantId, row.id)
      .events({ afterSeq, limit })
      .catch(fromObjectError);
    const last = events[events.length - 1];
    return c.json(
      {
        data: events as unknown as Array<Record<string, unknown>>,
        nextAfterSeq: events.length === limit && last ? last.seq : null,
      },
      200,
    );
  },
);
