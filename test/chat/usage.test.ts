import { describe, expect, it } from 'vitest';
import { recordUsage, spentToday, utcDay } from '../../src/usage/record';
import { ensureTenant } from '../../src/keys/provision';
import { usageDaily } from '../../src/db/schema';
import { and, eq } from 'drizzle-orm';
import { withDb } from '../helpers';

describe('usage persistence', () => {
  it('upserts per tenant per day and sums concurrent deltas', async () => {
    await withDb(async (db) => {
      const tenantId = await ensureTenant(db, `usage-${crypto.randomUUID()}`);
      const other = await ensureTenant(db, `usage-${crypto.randomUUID()}`);
      const now = Date.now();
      const day = utcDay(now);
      const delta = { tokensIn: 1_000, tokensOut: 200, costUsd: 0.006, answers: 1 };
      await Promise.all([1, 2, 3].map(() => recordUsage(db, tenantId, delta, day)));
      await recordUsage(db, tenantId, { ...delta, costUsd: 9 }, '2000-01-01');
      await recordUsage(db, other, { ...delta, costUsd: 1 }, day);

      expect(await spentToday(db, tenantId, now)).toBeCloseTo(0.018, 6);
      const [row] = await db
        .select()
        .from(usageDaily)
        .where(and(eq(usageDaily.tenantId, tenantId), eq(usageDaily.day, day)));
      expect(row).toMatchObject({ tokensIn: 3_000, tokensOut: 600, answers: 3 });
      expect(await spentToday(db, crypto.randomUUID(), now)).toBe(0);
    });
  });
});
