import { sql, type SQL } from 'drizzle-orm';
import { pgArray } from '../db/sql';
import type { Principal } from '../types';

/**
 * What one end user may reach (issue #16, docs/access.md): documents shared with the tenant,
 * documents they own, and documents in collections they belong to; then narrowed by their
 * token's scope. An API key without a user has no DocumentAccess: it sees the whole tenant.
 */
export interface DocumentAccess {
  userId: string;
  /** Scope: only documents in one of these collections. */
  collections?: string[];
  /** Scope: only documents carrying at least one of these tags. */
  tags?: string[];
  /** Scope: only documents the user owns. */
  ownerOnly?: boolean;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const sortedUnique = (values: readonly string[]) => [...new Set(values)].sort();

/** The caller's reach, or null for an API key (the whole tenant, as before issue #16). */
export function accessOf(principal: Principal): DocumentAccess | null {
  if (principal.userId === null || principal.userId === undefined) return null;
  const scope = principal.scope ?? {};
  const access: DocumentAccess = { userId: principal.userId };
  // Compared lower-case; an id that is not a uuid names no collection (scopeCollectionIds).
  if (scope.collections)
    access.collections = sortedUnique(scope.collections.map((c) => c.toLowerCase()));
  if (scope.tags) access.tags = sortedUnique(scope.tags);
  if (scope.ownerOnly) access.ownerOnly = true;
  return access;
}

/** The reach of a given end user with no token scope (e.g. the owner of a conversation). */
export const userAccess = (userId: string): DocumentAccess => ({ userId });

/** Only uuid-shaped ids can match a collection; a scope of none of them matches nothing. */
export const scopeCollectionIds = (access: DocumentAccess) =>
  access.collections?.filter((id) => UUID.test(id));

/**
 * The SQL predicate over a documents row aliased `alias` (`d` in retrieval SQL, `documents`
 * for drizzle queries), or undefined when nothing narrows. Always ANDed with the tenant filter.
 */
export function accessPredicate(access: DocumentAccess | null, alias = 'd'): SQL | undefined {
  if (!access) return undefined;
  const d = sql.raw(`"${alias}"`);
  const parts: SQL[] = [
    sql`(${d}.visibility = 'tenant' OR ${d}.owner_user_id = ${access.userId} OR EXISTS (
      SELECT 1 FROM collection_documents cd
      JOIN collection_members cm ON cm.collection_id = cd.collection_id AND cm.user_id = ${access.userId}
      WHERE cd.document_id = ${d}.id AND cd.tenant_id = ${d}.tenant_id))`,
  ];
  const collections = scopeCollectionIds(access);
  if (collections) {
    parts.push(sql`EXISTS (SELECT 1 FROM collection_documents sc
      WHERE sc.document_id = ${d}.id AND sc.collection_id = ANY(${pgArray(collections)}::uuid[]))`);
  }
  if (access.tags) parts.push(sql`${d}.tags && ${pgArray(access.tags)}::text[]`);
  if (access.ownerOnly) parts.push(sql`${d}.owner_user_id = ${access.userId}`);
  return sql.join(parts, sql` AND `);
}

/** A canonical string of the reach, for cache keys: equal reach, equal key; API keys ''. */
export function accessKey(access: DocumentAccess | null): string {
  if (!access) return '';
  return JSON.stringify([
    access.userId,
    access.collections ?? null,
    access.tags ?? null,
    access.ownerOnly ?? false,
  ]);
}

/** Keys of the owner and admin roles act for the whole tenant (other users' conversations too). */
export const isAdminKey = (principal: Principal) =>
  principal.userId === null && (principal.role === 'owner' || principal.role === 'admin');
