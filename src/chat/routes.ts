import { createRoute } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { AUTHENTICATED, errorResponses } from '../http/openapi';
import { idempotency } from '../http/idempotent-response';
import { createRouter } from '../http/router';
import { authorize } from '../middleware/auth';
import type { AppEnv } from '../types';
import { askInConversation, askOnce, type AskDeps } from './ask';
import {
  conversationDetail,
  conversationEvents,
  conversationPage,
  createConversation,
  deleteConversation,
  rateAnswer,
  type ConversationDeps,
} from './conversations';
import { answerResponse } from './respond';
import {
  AnswerContent,
  ConversationDetailSchema,
  ConversationIdParam,
  ConversationPageSchema,
  ConversationSchema,
  CreateConversationBody,
  EventsPageSchema,
  EventsQuery,
  FeedbackBody,
  FeedbackRecordSchema,
  ListConversationsQuery,
  MessageIdParam,
  OneShotBody,
  SendMessageBody,
} from './schemas';

/** The request as the conversation services' plain arguments. */
const conversationDepsOf = (c: Context<AppEnv>): ConversationDeps => ({
  db: c.var.db,
  env: c.env,
  principal: c.var.principal,
});

/** The request as a turn's plain arguments; budget settlements outlive a client that leaves. */
const askDepsOf = (c: Context<AppEnv>): AskDeps => ({
  env: c.env,
  db: c.var.db,
  principal: c.var.principal,
  metrics: c.var.metrics,
  waitUntil: (promise) => c.executionCtx.waitUntil(promise),
});

export const chatRouter = createRouter();

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
  async (c) => c.json(await createConversation(conversationDepsOf(c), c.req.valid('json')), 201),
);

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
        content: { 'application/json': { schema: ConversationPageSchema } },
        description: 'A page of conversations',
      },
      ...errorResponses(...AUTHENTICATED, 400, 403),
    },
  }),
  async (c) => c.json(await conversationPage(conversationDepsOf(c), c.req.valid('query')), 200),
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
        content: { 'application/json': { schema: ConversationDetailSchema } },
        description: 'The conversation',
      },
      ...errorResponses(...AUTHENTICATED, 400, 403, 404),
    },
  }),
  async (c) =>
    c.json(await conversationDetail(conversationDepsOf(c), c.req.valid('param').id), 200),
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
    await deleteConversation(conversationDepsOf(c), c.req.valid('param').id);
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
      200: { content: AnswerContent, description: 'The answer' },
      ...errorResponses(...AUTHENTICATED, 400, 403, 404, 413, 415),
    },
  }),
  async (c) => {
    const { content, stream } = c.req.valid('json');
    const id = c.req.valid('param').id;
    const turn = await askInConversation(askDepsOf(c), id, content, { stream });
    return answerResponse(turn, { stream });
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
      200: { content: AnswerContent, description: 'The answer' },
      ...errorResponses(...AUTHENTICATED, 400, 403, 413, 415),
    },
  }),
  async (c) => {
    const { question, scope, stream } = c.req.valid('json');
    return answerResponse(askOnce(askDepsOf(c), { question, scope }, { stream }), { stream });
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
        content: { 'application/json': { schema: FeedbackRecordSchema } },
        description: 'Recorded',
      },
      ...errorResponses(...AUTHENTICATED, 400, 403, 404, 413, 415),
    },
  }),
  async (c) => {
    const { id, mid } = c.req.valid('param');
    const ids = { conversationId: id, messageId: mid };
    return c.json(await rateAnswer(conversationDepsOf(c), ids, c.req.valid('json')), 201);
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
        content: { 'application/json': { schema: EventsPageSchema } },
        description: 'Events after `afterSeq`',
      },
      ...errorResponses(...AUTHENTICATED, 400, 403, 404),
    },
  }),
  async (c) => {
    const id = c.req.valid('param').id;
    return c.json(await conversationEvents(conversationDepsOf(c), id, c.req.valid('query')), 200);
  },
);
