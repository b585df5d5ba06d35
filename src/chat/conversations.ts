import type { Database } from '../db/client';
import type { Env } from '../env';
import { ApiError } from '../errors';
import type { Principal } from '../types';
import type { ConversationRefusal } from './conversation-results';
import { conversationStub } from './conversation-stub';
import {
  deleteConversationRow,
  insertConversation,
  listConversations,
  requireConversation,
  toConversationDto,
} from './repository';
import type { ChatScope } from './scope';

/**
 * What the conversation services need, as plain values: the routes build it from the request,
 * and the CLI, a queue consumer or a test can build it directly.
 */
export interface ConversationDeps {
  db: Database;
  env: Pick<Env, 'CONVERSATIONS'>;
  principal: Principal;
}

/** The HTTP error for each refusal the Conversation object can return. */
function refused(error: ConversationRefusal): ApiError {
  switch (error) {
    case 'conversation_conflict':
      return new ApiError(409, 'conflict', 'the conversation id is already in use');
    case 'message_not_found':
      return ApiError.notFound('answer message');
  }
}

export async function createConversation(
  deps: ConversationDeps,
  input: { title?: string; scope?: ChatScope },
) {
  const { tenantId } = deps.principal;
  const id = crypto.randomUUID();
  const title = input.title ?? null;
  // The object first: a row always has its object, an object without a row is unreachable.
  const init = await conversationStub(deps.env, tenantId, id).init({
    tenantId,
    conversationId: id,
    title,
  });
  if (!init.ok) throw refused(init.error);
  const row = await insertConversation(deps.db, deps.principal, {
    id,
    title,
    scope: input.scope ?? {},
  });
  return toConversationDto(row);
}

export async function conversationPage(
  deps: Omit<ConversationDeps, 'env'>,
  page: { limit: number; cursor?: string },
) {
  const { rows, nextCursor } = await listConversations(deps.db, deps.principal, page);
  return { data: rows.map(toConversationDto), nextCursor };
}

/** A conversation with its messages and running summary, read from its object. */
export async function conversationDetail(deps: ConversationDeps, id: string) {
  const row = await requireConversation(deps.db, deps.principal, id);
  const stub = conversationStub(deps.env, deps.principal.tenantId, row.id);
  const [messages, summary] = await Promise.all([stub.messages(), stub.summary()]);
  return {
    ...toConversationDto(row),
    messages: messages as unknown as Array<Record<string, unknown>>,
    summary: summary?.text ?? null,
  };
}

/** Erases the object's log, then the row (a row never outlives its object's contents). */
export async function deleteConversation(deps: ConversationDeps, id: string): Promise<void> {
  const { tenantId } = deps.principal;
  const row = await requireConversation(deps.db, deps.principal, id);
  await conversationStub(deps.env, tenantId, row.id).delete();
  await deleteConversationRow(deps.db, tenantId, row.id);
}

/** Rates one answer of the conversation; the latest rating is the one that counts. */
export async function rateAnswer(
  deps: ConversationDeps,
  ids: { conversationId: string; messageId: string },
  feedback: { rating: 'up' | 'down'; comment?: string },
) {
  const row = await requireConversation(deps.db, deps.principal, ids.conversationId);
  const comment = feedback.comment ?? null;
  const result = await conversationStub(deps.env, deps.principal.tenantId, row.id).addFeedback(
    ids.messageId,
    feedback.rating,
    comment,
  );
  if (!result.ok) throw refused(result.error);
  return { messageId: ids.messageId, rating: feedback.rating, comment, seq: result.seq };
}

/** A page of the conversation's event log after `afterSeq`, in order. */
export async function conversationEvents(
  deps: ConversationDeps,
  id: string,
  page: { afterSeq: number; limit: number },
) {
  const row = await requireConversation(deps.db, deps.principal, id);
  const events = await conversationStub(deps.env, deps.principal.tenantId, row.id).events(page);
  const last = events[events.length - 1];
  return {
    data: events as unknown as Array<Record<string, unknown>>,
    nextAfterSeq: events.length === page.limit && last ? last.seq : null,
  };
}
