// Asynchronous tenant deletion (issue #16). DELETE /v1/tenants/:id marks the tenant `deleting`,
// revokes its keys and enqueues a `tenant-delete` message; each message purges a batch of
// documents through purgeDocument (the same function the document DELETE route uses, so any
// change to how one document is removed applies here too) and re-enqueues itself until none
// remain, then removes conversations' Durable Objects, leftover R2 objects and the rows.
import { and, eq, sql } from 'drizzle-orm';
import { evictTenantKeys } from '../auth/key-store';
import { conversationStub } from '../chat/conversation-stub';
import type { Database } from '../db/client';
import {
  apiKeys,
  conversations,
  documents,
  operatorAudit,
  tenantDeletions,
  tenants,
} from '../db/schema';
import { purgeDocument } from '../documents/purge';
import type { Env } from '../env';

export interface TenantDeleteMessage {
  kind: 'tenant-delete';
  tenantId: string;
  enqueuedAt: number;
}

export const isTenantDeleteMessage = (body: unknown): body is TenantDeleteMessage =>
  typeof body === 'object' &&
  body !== null &&
  (body as { kind?: unknown }).kind === 'tenant-delete';

/** Documents purged per queue message: well inside one invocation's time and subrequests. */
export const DELETION_BATCH = 25;
const CONVERSATION_BATCH = 100;

export async function recordOperatorAudit(
  db: Pick<Database, 'insert'>,
  entry: {
    operatorKeyId: string | null;
    action: string;
    tenantId: string;
    requestId?: string;
    detail?: unknown;
  },
) {
  await db.insert(operatorAudit).values({
    operatorKeyId: entry.operatorKeyId,
    action: entry.action,
    tenantId: entry.tenantId,
    requestId: entry.requestId ?? null,
    detail: entry.detail ?? null,
  });
}

const enqueue = (env: Env, tenantId: string) =>
  (env.INGEST_QUEUE as unknown as Queue<TenantDeleteMessage>).send({
    kind: 'tenant-delete',
    tenantId,
    enqueuedAt: Date.now(),
  });

/**
 * Marks the tenant deleting, revokes its keys (so its tokens die with them) and enqueues the
 * work. Returns false if the tenant does not exist. Calling it again re-enqueues (idempotent).
 */
export async function startTenantDeletion(
  env: Env,
  db: Database,
  input: { tenantId: string; operatorKeyId: string; requestId: string },
): Promise<boolean> {
  const started = await db.transaction(async (tx) => {
    const [tenant] = await tx
      .update(tenants)
      .set({ status: 'deleting' })
      .where(eq(tenants.id, input.tenantId))
      .returning({ name: tenants.name });
    if (!tenant) return false;
    const [{ n }] = (await tx
      .select({ n: sql<number>`count(*)::int` })
      .from(documents)
      .where(eq(documents.tenantId, input.tenantId))) as [{ n: number }];
    const [created] = await tx
      .insert(tenantDeletions)
      .values({
        tenantId: input.tenantId,
        tenantName: tenant.name,
        documentsTotal: Number(n),
        requestedBy: input.operatorKeyId,
      })
      .onConflictDoNothing()
      .returning({ tenantId: tenantDeletions.tenantId });
    await tx
      .update(apiKeys)
      .set({ revokedAt: sql`coalesce(${apiKeys.revokedAt}, now())` })
      .where(eq(apiKeys.tenantId, input.tenantId));
    if (created) {
      await recordOperatorAudit(tx, {
        operatorKeyId: input.operatorKeyId,
        action: 'tenant.delete.start',
        tenantId: input.tenantId,
        requestId: input.requestId,
        detail: { name: tenant.name, documents: Number(n) },
      });
    }
    return true;
  });
  if (!started) return false;
  await evictTenantKeys(db, input.tenantId).catch(() => {});
  await enqueue(env, input.tenantId);
  return true;
}

/** Deletes one batch; returns 'more' when the caller should enqueue the next message. */
export async function runTenantDeletionStep(
  env: Env,
  db: Database,
  tenantId: string,
): Promise<'more' | 'done'> {
  const [tenant] = await db
    .select({ status: tenants.status })
    .from(tenants)
    .where(eq(tenants.id, tenantId));
  if (!tenant) return 'done';
  // Only a tenant an operator asked to delete is ever deleted by a (possibly stray) message.
  if (tenant.status !== 'deleting') return 'done';
  const batch = await db
    .select({ id: documents.id })
    .from(documents)
    .where(eq(documents.tenantId, tenantId))
    .limit(DELETION_BATCH);
  for (const doc of batch) {
    await purgeDocument(env, db, tenantId, doc.id);
    await db
      .update(tenantDeletions)
      .set({ documentsDeleted: sql`${tenantDeletions.documentsDeleted} + 1` })
      .where(eq(tenantDeletions.tenantId, tenantId));
  }
  if (batch.length === DELETION_BATCH) return 'more';

  // Conversations keep their event log in a Durable Object, outside Postgres.
  const convs = await db
    .select({ id: conversations.id })
    .from(conversations)
    .where(eq(conversations.tenantId, tenantId))
    .limit(CONVERSATION_BATCH);
  for (const conv of convs) {
    await conversationStub(env, tenantId, conv.id).delete();
    await db
      .delete(conversations)
      .where(and(eq(conversations.tenantId, tenantId), eq(conversations.id, conv.id)));
  }
  if (convs.length === CONVERSATION_BATCH) return 'more';

  // Anything else under the tenant's R2 prefix (documents' own objects are gone already).
  const prefix = `tenants/${tenantId}/`;
  let cursor: string | undefined;
  do {
    const page = await env.DOCUMENTS.list({ prefix, cursor, limit: 1000 });
    if (page.objects.length) await env.DOCUMENTS.delete(page.objects.map((o) => o.key));
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);

  // Every other tenant row goes with the tenant (ON DELETE CASCADE).
  await db.transaction(async (tx) => {
    await tx.delete(tenants).where(eq(tenants.id, tenantId));
    await tx
      .update(tenantDeletions)
      .set({ status: 'done', completedAt: sql`now()` })
      .where(eq(tenantDeletions.tenantId, tenantId));
    await recordOperatorAudit(tx, {
      operatorKeyId: null,
      action: 'tenant.delete.complete',
      tenantId,
    });
  });
  return 'done';
}

/** The queue side: one step per message, then the next message or nothing. */
export async function handleTenantDeleteMessage(
  env: Env,
  db: Database,
  message: Message<TenantDeleteMessage>,
) {
  try {
    if ((await runTenantDeletionStep(env, db, message.body.tenantId)) === 'more') {
      await enqueue(env, message.body.tenantId);
    }
    message.ack();
  } catch (error) {
    await db
      .update(tenantDeletions)
      .set({ error: (error as Error).message.slice(0, 500) })
      .where(eq(tenantDeletions.tenantId, message.body.tenantId))
      .catch(() => {});
    message.retry({ delaySeconds: Math.min(300, 5 * 2 ** message.attempts) });
  }
}
