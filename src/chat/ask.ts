import { accessOf, userAccess, type DocumentAccess } from '../access/visibility';
import { openDatabase, type Database } from '../db/client';
import type { Env } from '../env';
import type { MetricsRecorder } from '../metrics';
import type { Principal } from '../types';
import { conversationStub } from './conversation-stub';
import { ephemeralConversation } from './ephemeral';
import { recordAnsweredTurn, requireConversation, type ConversationRow } from './repository';
import type { RetrievalTiming } from './retriever';
import type { ChatScope } from './scope';
import { chatTurnDeps } from './setup';
import { deferredTurnLog } from './turn-log';
import { runChatTurn, type ChatEvent, type ConversationLog } from './turn';

/**
 * What answering a question needs, as plain values: the routes build it from the request, and
 * the CLI or a test can build it directly.
 */
export interface AskDeps {
  /** The bindings a turn reaches: models, embeddings, vectors, breakers, conversations. */
  env: Env;
  /** The request's database; a streamed turn opens its own (see `startTurn`). */
  db: Database;
  principal: Principal;
  metrics: MetricsRecorder;
  /** Keeps budget settlements alive after a client that disconnects mid-answer. */
  waitUntil: (promise: Promise<unknown>) => void;
}

/** A turn that runs as its events are read; `timing` is retrieval's, once it has run. */
export interface AnswerTurn {
  events: AsyncIterable<ChatEvent>;
  timing: () => RetrievalTiming | null;
}

/** Whether the answer is streamed: a streamed turn outlives the request that started it. */
export type Delivery = { stream: boolean };

interface TurnInput {
  access: DocumentAccess | null;
  scope: ChatScope | undefined;
  conversation: ConversationLog;
  question: string;
  /** Called after the answer is saved (stored conversations bump their row). */
  afterTurn?: (db: Database) => Promise<void>;
}

/**
 * Whose documents a conversation's answers draw on: its owner's. A user asks with their own
 * token's reach; an admin key answering in a user's conversation keeps to that user's reach.
 */
function conversationAccess(principal: Principal, row: ConversationRow): DocumentAccess | null {
  if (row.ownerUserId === null) return accessOf(principal);
  return principal.userId === row.ownerUserId ? accessOf(principal) : userAccess(row.ownerUserId);
}

/** Runs the turn, then its epilogue once the answer is saved; a turn must end saved. */
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

/**
 * Starts one question's turn. A streamed turn outlives the handler, so it opens (and closes)
 * its own database pool instead of the request's.
 */
function startTurn(deps: AskDeps, input: TurnInput, delivery: Delivery): AnswerTurn {
  let timing: () => RetrievalTiming | null = () => null;
  async function* events(): AsyncGenerator<ChatEvent> {
    const pool = delivery.stream ? openDatabase(deps.env) : null;
    const db = pool ? pool.db : deps.db;
    try {
      const { deps: turnDeps, retriever } = await chatTurnDeps({
        env: deps.env,
        db,
        tenantId: deps.principal.tenantId,
        access: input.access,
        scope: input.scope,
        conversation: input.conversation,
        metrics: deps.metrics,
        waitUntil: deps.waitUntil,
      });
      timing = retriever.lastTiming;
      yield* turnWithEpilogue(turnDeps, input, db);
    } finally {
      await pool?.close().catch(() => {});
    }
  }
  return { events: events(), timing: () => timing() };
}

/** A question in a stored conversation: answered from its owner's reach and logged. */
export async function askInConversation(
  deps: AskDeps,
  conversationId: string,
  question: string,
  delivery: Delivery,
): Promise<AnswerTurn> {
  const { principal } = deps;
  const row = await requireConversation(deps.db, principal, conversationId);
  return startTurn(
    deps,
    {
      access: conversationAccess(principal, row),
      scope: row.scope as ChatScope,
      conversation: deferredTurnLog(conversationStub(deps.env, principal.tenantId, row.id)),
      question,
      afterTurn: (db) => recordAnsweredTurn(db, principal.tenantId, row.id, question),
    },
    delivery,
  );
}

/** One question with no conversation: nothing is stored. */
export function askOnce(
  deps: AskDeps,
  input: { question: string; scope?: ChatScope },
  delivery: Delivery,
): AnswerTurn {
  return startTurn(
    deps,
    {
      access: accessOf(deps.principal),
      scope: input.scope,
      conversation: ephemeralConversation(),
      question: input.question,
    },
    delivery,
  );
}
