import { and, desc, eq, isNull, sql, type SQL } from 'drizzle-orm';
import { isAdminKey } from '../access/visibility';
import type { Database } from '../db/client';
import { conversations } from '../db/schema';
import { ApiError } from '../errors';
import { keysetBefore } from '../db/sql';
import { timeIdCursor } from '../http/cursor';
import type { Principal } from '../types';
import type { ChatScope } from './scope';

/**
 * The `conversations` rows (Postgres): who owns a conversation and its listing. The turns
 * themselves live in each conversation's Durable Object. Every query is filtered by tenant.
 */
export type ConversationRow = typeof conversations.$inferSelect;

export const toConversationDto = (row: ConversationRow) => ({
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
function ownedBy(principal: Principal): SQL | undefined {
  if (principal.userId !== null) return eq(conversations.ownerUserId, principal.userId);
  if (isAdminKey(principal)) return undefined;
  return and(isNull(conversations.ownerUserId), eq(conversations.createdByKeyId, principal.keyId));
}

/** The conversation the principal may reach, or a 404 (someone else's reads as missing). */
export async function requireConversation(
  db: Database,
  principal: Principal,
  id: string,
): Promise<ConversationRow> {
  const [row] = await db
    .select()
    .from(conversations)
    .where(
      and(
        eq(conversations.tenantId, principal.tenantId),
        eq(conversations.id, id),
        ownedBy(principal),
      ),
    );
  if (!row) throw ApiError.notFound('conversation');
  return row;
}

export async function insertConversation(
  db: Database,
  principal: Principal,
  values: { id: string; title: string | null; scope: ChatScope },
): Promise<ConversationRow> {
  const [row] = await db
    .insert(conversations)
    .values({
      id: values.id,
      title: values.title,
      // The jsonb column is typed as a plain record, which an interface (ChatScope) is not.
      scope: { ...values.scope },
      tenantId: principal.tenantId,
      ownerUserId: principal.userId,
      createdByKeyId: principal.keyId,
    })
    .returning();
  return row!;
}

/** `{u, i}`: the field names conversation cursors have always had. */
const listCursor = timeIdCursor('u', 'i');

/** One page of the principal's conversations, most recently active first (keyset on both). */
export async function listConversations(
  db: Database,
  principal: Principal,
  page: { limit: number; cursor?: string },
): Promise<{ rows: ConversationRow[]; nextCursor: string | null }> {
  const { limit } = page;
  const after = page.cursor ? listCursor.decode(page.cursor) : null;
  const rows = await db
    .select({
      row: conversations,
      // Full precision for the keyset (a JS Date keeps only milliseconds).
      at: sql<string>`${conversations.updatedAt}::text`,
    })
    .from(conversations)
    .where(
      and(
        eq(conversations.tenantId, principal.tenantId),
        ownedBy(principal),
        after ? keysetBefore(conversations.updatedAt, conversations.id, after) : undefined,
      ),
    )
    .orderBy(desc(conversations.updatedAt), desc(conversations.id))
    .limit(limit + 1);
  const shown = rows.slice(0, limit);
  const last = shown[shown.length - 1];
  return {
    rows: shown.map((r) => r.row),
    nextCursor:
      rows.length > limit && last ? listCursor.encode({ at: last.at, id: last.row.id }) : null,
  };
}

export async function deleteConversationRow(
  db: Database,
  tenantId: string,
  id: string,
): Promise<void> {
  await db
    .delete(conversations)
    .where(and(eq(conversations.tenantId, tenantId), eq(conversations.id, id)));
}

/** An answered turn: two more messages, activity now, and a title from the first question. */
export async function recordAnsweredTurn(
  db: Database,
  tenantId: string,
  id: string,
  question: string,
): Promise<void> {
  await db
    .update(conversations)
    .set({
      messageCount: sql`${conversations.messageCount} + 2`,
      updatedAt: sql`now()`,
      title: sql`coalesce(${conversations.title}, ${question.slice(0, 120)})`,
    })
    .where(and(eq(conversations.tenantId, tenantId), eq(conversations.id, id)));
}
