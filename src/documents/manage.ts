import type { z } from '@hono/zod-openapi';
import { and, eq } from 'drizzle-orm';
import { isAdminKey } from '../access/visibility';
import { recordAudit } from '../audit/record';
import type { Database } from '../db/client';
import { documents } from '../db/schema';
import type { Env } from '../env';
import { ApiError } from '../errors';
import { syncVectorAccess } from '../retrieval/vectors/access-sync';
import type { Principal } from '../types';
import { requireWritableDocument } from './guard';
import { requestDocumentDeletion } from './purge';
import { bumpCorpusVersionIfServed, toDocumentDto } from './repository';
import type { PatchBody } from './schemas';

/**
 * What changing a document needs, as plain values: the routes build it from the request, and
 * the CLI, the queue or a test can build it directly.
 */
export interface ChangeDeps {
  db: Database;
  env: Env;
  principal: Principal;
  /** Recorded with the audit row the change adds. */
  requestId: string;
  /** The W3C trace context queued work carries on, when the request had one. */
  traceparent?: string;
}

/** Changes title, tags, metadata or visibility; audited, and mirrored into the vectors. */
export async function updateDocument(
  deps: ChangeDeps,
  id: string,
  patch: z.infer<typeof PatchBody>,
) {
  const { db, principal } = deps;
  const before = await requireWritableDocument(db, principal, id);
  // Visibility decides who else sees it: its owner, or a key acting for the whole tenant.
  const changesVisibility =
    patch.visibility !== undefined && patch.visibility !== before.visibility;
  if (changesVisibility && principal.userId === null && !isAdminKey(principal)) {
    throw ApiError.forbidden(`role '${principal.role}' may not change a document's visibility`);
  }
  const row = await db.transaction(async (tx) => {
    const [updated] = await tx
      .update(documents)
      .set({ ...patch, updatedAt: new Date() })
      .where(and(eq(documents.tenantId, principal.tenantId), eq(documents.id, before.id)))
      .returning();
    await recordAudit(tx, principal, deps.requestId, {
      action: 'document.update',
      targetType: 'document',
      targetId: before.id,
      before: Object.fromEntries(
        Object.keys(patch).map((k) => [k, before[k as keyof typeof patch]]),
      ),
      after: patch,
    });
    // Title, tags and metadata are returned and filtered on, but only for a served document.
    await bumpCorpusVersionIfServed(tx, principal.tenantId, before.id);
    return updated!;
  });
  // Vectorize filters on a copy of the visibility kept with each vector: rewrite it.
  if (changesVisibility) await syncVectorAccess(deps.env, db, row);
  return toDocumentDto(row);
}

/**
 * Hides a document at once and queues its removal (the deletion saga, purge.ts). Repeating it
 * on a document already being deleted queues the saga again.
 */
export async function deleteDocument(deps: ChangeDeps, id: string) {
  const { db, principal } = deps;
  // A document already being deleted is found too: repeating the DELETE re-queues its saga.
  const row = await requireWritableDocument(db, principal, id, { includeDeleting: true });
  if (row.status !== 'deleting') {
    await recordAudit(db, principal, deps.requestId, {
      action: 'document.delete',
      targetType: 'document',
      targetId: row.id,
      before: { title: row.title, sha256: row.sha256, versions: row.currentVersion },
    });
  }
  // If the queue refuses the message, the document stays hidden and `deleting`; the daily
  // cron (or this request repeated) queues it again, so the 202 holds either way.
  const requested = await requestDocumentDeletion(
    deps.env,
    db,
    principal.tenantId,
    row.id,
    deps.traceparent,
  );
  if (!requested) throw ApiError.notFound('document');
  return { id: row.id, status: 'deleting' as const };
}
