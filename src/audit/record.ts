import type { Database } from '../db/client';
import { auditLog } from '../db/schema';
import type { Principal } from '../types';

export interface AuditEntry {
  action: string;
  targetType: string;
  targetId?: string | null;
  before?: unknown;
  after?: unknown;
}

/** Appends one audit row. The API never updates or deletes these. */
export async function recordAudit(
  db: Pick<Database, 'insert'>,
  principal: Principal,
  requestId: string,
  entry: AuditEntry,
): Promise<void> {
  await db.insert(auditLog).values({
    tenantId: principal.tenantId,
    keyId: principal.keyId,
    userId: principal.userId ?? null,
    action: entry.action,
    targetType: entry.targetType,
    targetId: entry.targetId ?? null,
    requestId,
    before: entry.before ?? null,
    after: entry.after ?? null,
  });
}
