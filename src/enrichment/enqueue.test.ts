import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Database } from '../db/client';
import type { Env } from '../env';
import { enrichReadyVersion } from './enqueue';

const ref = { tenantId: 't', documentId: 'd', version: 3 };

describe('enrichReadyVersion (the version-ready reaction)', () => {
  afterEach(() => vi.restoreAllMocks());

  it('logs a failure to queue the enrichment instead of failing the ready version', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const send = vi.fn();
    const db = {
      select: () => {
        throw new Error('database unavailable');
      },
    } as unknown as Database;
    const env = { ANTHROPIC_API_KEY: 'sk-test', INGEST_QUEUE: { send } } as unknown as Env;
    await expect(enrichReadyVersion({ env, db }, ref)).resolves.toBeUndefined();
    expect(send).not.toHaveBeenCalled();
    expect(JSON.parse(String(warn.mock.calls[0]![0]))).toMatchObject({
      msg: 'enrich.enqueue_failed',
      tenantId: 't',
      documentId: 'd',
      version: 3,
      error: 'database unavailable',
    });
  });
});
