import { and, eq, sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import { idempotencyKeys } from '../db/schema';
import { ApiError } from '../errors';

const KEY_PATTERN = /^[A-Za-z0-9._:-]{1,255}$/;
/** Stored responses are replayed for this long; older keys may be reused. */
export const IDEMPOTENCY_TTL_HOURS = 24;

export type IdempotencyStart =
  | { kind: 'proceed' }
  | { kind: 'replay'; status: number; body: unknown; fingerprint: string | null };

/** Claims (tenant, key) for this request, or returns the stored response of the first one. */
export async function claimIdempotencyKey(
  db: Database,
  tenantId: string,
  key: string,
  route: string,
): Promise<IdempotencyStart> {
  if (!KEY_PATTERN.test(key)) {
    throw new ApiError(
      400,
      'bad_request',
      'Idempotency-Key must be 1-255 chars of [A-Za-z0-9._:-]',
    );
  }
  await db
    .delete(idempotencyKeys)
    .where(
      and(
        eq(idempotencyKeys.tenantId, tenantId),
        eq(idempotencyKeys.key, key),
        sql`${idempotencyKeys.createdAt} < now() - interval '${sql.raw(String(IDEMPOTENCY_TTL_HOURS))} hours'`,
      ),
    );
  const inserted = await db
    .insert(idempotencyKeys)
    .values({ tenantId, key, route })
    .onConflictDoNothing()
    .returning({ key: idempotencyKeys.key });
  if (inserted.length > 0) return { kind: 'proceed' };
  const [existing] = await db
    .select()
    .from(idempotencyKeys)
    .where(and(eq(idempotencyKeys.tenantId, tenantId), eq(idempotencyKeys.key, key)));
  if (!existing) return { kind: 'proceed' };
  if (existing.route !== route) {
    throw new ApiError(
      422,
      'idempotency_key_reused',
      'this Idempotency-Key was used for another operation',
    );
  }
  if (existing.status === null) {
    throw new ApiError(
      409,
      'idempotency_in_progress',
      'a request with this Idempotency-Key is in progress',
    );
  }
  return {
    kind: 'replay',
    status: existing.status,
    body: existing.response,
    fingerprint: existing.fingerprint,
  };
}

export async function completeIdempotencyKey(
  db: Database,
  tenantId: string,
  key: string,
  status: number,
  body: unknown,
  fingerprint: string,
) {
  await db
    .update(idempotencyKeys)
    .set({ status, response: body, fingerprint })
    .where(and(eq(idempotencyKeys.tenantId, tenantId), eq(idempotencyKeys.key, key)));
}

export async function releaseIdempotencyKey(db: Database, tenantId: string, key: string) {
  await db
    .delete(idempotencyKeys)
    .where(and(eq(idempotencyKeys.tenantId, tenantId), eq(idempotencyKeys.key, key)));
}
