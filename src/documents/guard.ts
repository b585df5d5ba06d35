import { accessOf } from '../access/visibility';
import type { Database } from '../db/client';
import { ApiError } from '../errors';
import type { Principal } from '../types';
import { findDocument } from './repository';

/** A document the caller can see; any other (another user's private one too) is a 404. */
export async function requireDocument(
  db: Database,
  principal: Principal,
  id: string,
  options: { includeDeleting?: boolean } = {},
) {
  const row = await findDocument(db, principal.tenantId, id, accessOf(principal), options);
  if (!row) throw ApiError.notFound('document');
  return row;
}

/**
 * A document the caller may change: API keys as their role allows; a user only their own
 * (a document shared with them is readable, not theirs to change).
 */
export async function requireWritableDocument(
  db: Database,
  principal: Principal,
  id: string,
  options: { includeDeleting?: boolean } = {},
) {
  const row = await requireDocument(db, principal, id, options);
  const { userId } = principal;
  if (userId !== null && row.ownerUserId !== userId) {
    throw ApiError.forbidden('only the owner of this document may change it');
  }
  return row;
}
