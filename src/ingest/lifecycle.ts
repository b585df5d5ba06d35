import type { Database } from '../db/client';
import type { Env } from '../env';
import { logJson } from '../observability/log';
import type { VersionRef } from './status';

/**
 * A reaction another feature attaches to a version becoming ready: called once per version,
 * after its promotion committed, and only while it is still the document's latest version
 * (an older version finishing late is served until the newer one is ready, but reacts to
 * nothing).
 */
export type VersionReadyHook = (
  ctx: { env: Env; db: Database },
  ref: VersionRef,
  traceparent?: string,
) => Promise<unknown>;

/**
 * Named, so wiring twice replaces instead of repeating. Features above ingest (enrichment)
 * register here at app build time (src/wiring.ts); ingest imports none of them.
 */
const readyHooks = new Map<string, VersionReadyHook>();

export function onVersionReady(name: string, hook: VersionReadyHook): void {
  readyHooks.set(name, hook);
}

/** The names wired so far, for the tests that guard the wiring. */
export const versionReadyHooks = (): string[] => [...readyHooks.keys()];

/** Runs every wired hook for a version that became ready (promote.ts). */
export const versionReady = (
  ctx: { env: Env; db: Database },
  ref: VersionRef,
  traceparent?: string,
): Promise<void> => runReadyHooks(readyHooks, ctx, ref, traceparent);

/**
 * Runs `hooks` in order. Best effort: the version is ready whatever a reaction does, and the
 * ingest message must still go on to retire the older versions, so a failing hook is logged,
 * not thrown, and the next one still runs.
 */
export async function runReadyHooks(
  hooks: Iterable<[string, VersionReadyHook]>,
  ctx: { env: Env; db: Database },
  ref: VersionRef,
  traceparent?: string,
): Promise<void> {
  for (const [name, hook] of hooks) {
    await hook(ctx, ref, traceparent).catch((error: unknown) =>
      logJson('warn', {
        msg: 'ingest.version_ready_hook_failed',
        hook: name,
        ...ref,
        error: error instanceof Error ? error.message.slice(0, 200) : String(error),
      }),
    );
  }
}
