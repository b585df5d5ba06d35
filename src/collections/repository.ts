import { and, desc, eq, sql, type SQL } from 'drizzle-orm';
import type { DocumentAccess } from '../access/visibility';
import { accessPredicate } from '../access/visibility';
import type { Database } from '../db/client';
import { collectionDocuments, collectionMembers, collections, documents } from '../db/schema';
import { keysetBefore } from '../db/sql';
import type { Principal } from '../types';

export type CollectionRow = typeof collections.$inferSelect;

export const toCollectionDto = (row: CollectionRow) => ({
  id: row.id,
  name: row.name,
  ownerUserId: row.ownerUserId,
  createdAt: row.createdAt.toISOString(),
});

/** A user reaches the collections they created or belong to; an API key all of the tenant's. */
function reachable(principal: Principal): SQL | undefined {
  if (principal.userId === null) return undefined;
  return sql`(${collections.ownerUserId} = ${principal.userId} OR EXISTS (
    SELECT 1 FROM collection_members m
    WHERE m.collection_id = ${collections.id} AND m.user_id = ${principal.userId}))`;
}

export async function findCollection(db: Database, principal: Principal, id: string) {
  const [row] = await db
    .select()
    .from(collections)
    .where(
      and(
        eq(collections.tenantId, principal.tenantId),
        eq(collections.id, id),
        reachable(principal),
      ),
    );
  return row;
}

/** Keyset page over (created_at, id), newest first. */
export async function listCollections(
  db: Database,
  principal: Principal,
  limit: number,
  after: { at: string; id: string } | null,
) {
  const rows = await db
    .select({ row: collections, at: sql<string>`${collections.createdAt}::text` })
    .from(collections)
    .where(
      and(
        eq(collections.tenantId, principal.tenantId),
        reachable(principal),
        after ? keysetBefore(collections.createdAt, collections.id, after) : undefined,
      ),
    )
    .orderBy(desc(collections.createdAt), desc(collections.id))
    .limit(limit + 1);
  return rows;
}

export async function collectionDetail(
  db: Database,
  row: CollectionRow,
  access: DocumentAccess | null,
) {
  const [members, docs] = await Promise.all([
    db
      .select({ userId: collectionMembers.userId })
      .from(collectionMembers)
      .where(eq(collectionMembers.collectionId, row.id))
      .orderBy(collectionMembers.userId),
    db
      .select({ id: documents.id })
      .from(collectionDocuments)
      .innerJoin(documents, eq(documents.id, collectionDocuments.documentId))
      .where(
        and(
          eq(collectionDocuments.collectionId, row.id),
          eq(documents.tenantId, row.tenantId),
          accessPredicate(access, 'documents'),
        ),
      )
      .orderBy(collectionDocuments.addedAt, documents.id)
      .limit(10_000),
  ]);
  return {
    ...toCollectionDto(row),
    members: members.map((m) => m.userId),
    documentIds: docs.map((d) => d.id),
  };
}
