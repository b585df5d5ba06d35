import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Database } from '../db/client';
import type { Env } from '../env';
import { runReadyHooks, type VersionReadyHook } from './lifecycle';

const ref = { tenantId: 't', documentId: 'd', version: 2 };
const ctx = { env: {} as Env, db: {} as Database };

describe('version-ready hooks', () => {
  afterEach(() => vi.restoreAllMocks());

  it('passes the ref and trace context to every hook, in order', async () => {
    const seen: string[] = [];
    const hooks = new Map<string, VersionReadyHook>([
      ['a', async (_, r, tp) => seen.push(`a ${r.documentId} v${r.version} ${tp}`)],
      ['b', async (_, r, tp) => seen.push(`b ${r.documentId} v${r.version} ${tp}`)],
    ]);
    await runReadyHooks(hooks, ctx, ref, '00-trace');
    expect(seen).toEqual(['a d v2 00-trace', 'b d v2 00-trace']);
  });

  it('logs a failing hook instead of throwing, and still runs the next one', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const after = vi.fn(async () => {});
    const hooks = new Map<string, VersionReadyHook>([
      [
        'broken',
        async () => {
          throw new Error('queue unavailable');
        },
      ],
      ['after', after],
    ]);
    await expect(runReadyHooks(hooks, ctx, ref)).resolves.toBeUndefined();
    expect(after).toHaveBeenCalledOnce();
    const logged = JSON.parse(String(warn.mock.calls[0]![0]));
    expect(logged).toMatchObject({
      msg: 'ingest.version_ready_hook_failed',
      hook: 'broken',
      documentId: 'd',
      version: 2,
      error: 'queue unavailable',
    });
  });
});
