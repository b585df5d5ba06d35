import { and, eq, sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { usageDaily } from '../../db/schema';
import { usageDay } from './budget';

export interface UsageDelta {
  tokensIn: number;
  tokensOut: number;
  costUsd: number;
  answers: number;
}

/** Adds to the tenant's row for `day`, creating it on first use (one statement, race-free). */
export async function recordUsage(
  db: Database,
  tenantId: string,
  day: string,
  delta: UsageDelta,
): Promise<void> {
  await db
    .insert(usageDaily)
    .values({
      tenantId,
      day,
      tokensIn: delta.tokensIn,
      tokensOut: delta.tokensOut,
      costUsd: delta.costUsd,
      answers: delta.answers,
    })
    .onConflictDoUpdate({
      target: [usageDaily.tenantId, usageDaily.day],
      set: {
        tokensIn: sql`${usageDaily.tokensIn} + ${delta.tokensIn}`,
        tokensOut: sql`${usageDaily.tokensOut} + ${delta.tokensOut}`,
        costUsd: sql`${usageDaily.costUsd} + ${delta.costUsd}`,
        answers: sql`${usageDaily.answers} + ${delta.answers}`,
      },
    });
}

/** USD spent by the tenant on the current UTC day. */
export async function spentToday(
  db: Database,
  tenantId: string,
  now: number = Date.now(),
): Promise<number> {
  const rows = await db
    .select({ cost: usageDaily.costUsd })
    .from(usageDaily)
    .where(and(eq(usageDaily.tenantId, tenantId), eq(usageDaily.day, usageDay(now))));
  return rows[0]?.cost ?? 0;
}
