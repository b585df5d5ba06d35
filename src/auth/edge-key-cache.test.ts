import { describe, expect, it } from 'vitest';
import { purgeKeyRecord, readKeyRecord, writeKeyRecord, type KeyRecord } from './edge-key-cache';

describe('edge key cache', () => {
  it('stores, returns and purges a key record in the colo cache', async () => {
    const hash = crypto.randomUUID().replace(/-/g, '');
    const record: KeyRecord = {
      principal: {
        tenantId: crypto.randomUUID(),
        keyId: crypto.randomUUID(),
        role: 'viewer',
        userId: null,
      },
      expiresAt: null,
      settings: { dailyBudgetUsd: 2 },
    };
    expect(await readKeyRecord(hash)).toBeUndefined();
    await writeKeyRecord(hash, record);
    expect(await readKeyRecord(hash)).toEqual(record);
    await purgeKeyRecord(hash);
    expect(await readKeyRecord(hash)).toBeUndefined();
  });
});
