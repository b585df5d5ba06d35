import { eq, sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import { tenants } from '../db/schema';

/**
 * How long an isolate trusts a tenant's corpus version (part of every search cache key). A
 * cached search then needs no database round trip; the price is that a change made in another
 * isolate (ingestion runs in the queue consumer) can take this long to reach cached searches
 * here. `Cache-Control: no-cache` reads it fresh. See docs/performance.md.
 */
export const CORPUS_VERSION_MEMO_MS = 2_000;

interface Entry {
  version: Promise<number>;
  readAt: number;
}

const memo = new Map<string, Entry>();
const MAX_TENANTS = 10_000;

/** `SEARCH_CORPUS_MEMO_MS` from the environment, else the default; `0` turns the memo off. */
export function corpusMemoMs(configured: string | undefined): number {
  const ms = Number(configured);
  return configured !== undefined && configured !== '' && Number.isFinite(ms) && ms >= 0
    ? ms
    : CORPUS_VERSION_MEMO_MS;
}

async function readCorpusVersion(db: Database, tenantId: string): Promise<number> {
  const [row] = await db
    .select({ corpusVersion: tenants.corpusVersion })
    .from(tenants)
    .where(eq(tenants.id, tenantId));
  return row?.corpusVersion ?? 0;
}

/**
 * The tenant's corpus version, from this isolate's memo when it is younger than `maxAgeMs`.
 * Concurrent callers share one read. `fresh` always reads Postgres and refreshes the memo.
 */
export function corpusVersion(
  db: Database,
  tenantId: string,
  options: { fresh?: boolean; maxAgeMs?: number; now?: number } = {},
): Promise<number> {
  const now = options.now ?? Date.now();
  const maxAgeMs = options.maxAgeMs ?? CORPUS_VERSION_MEMO_MS;
  const entry = memo.get(tenantId);
  if (!options.fresh && entry && now - entry.readAt < maxAgeMs) return entry.version;
  const version = readCorpusVersion(db, tenantId);
  if (maxAgeMs > 0) {
    if (memo.size >= MAX_TENANTS) memo.clear();
    const fresh: Entry = { version, readAt: now };
    memo.set(tenantId, fresh);
    // A failed read must not be served to the next caller.
    version.catch(() => {
      if (memo.get(tenantId) === fresh) memo.delete(tenantId);
    });
  }
  return version;
}

/** Called wherever this isolate bumps a tenant's corpus version: its next search reads afresh. */
export function forgetCorpusVersion(tenantId: string): void {
  memo.delete(tenantId);
}

/** `Cache-Control: no-cache` (or `max-age=0`) on a request asks for a fresh corpus version. */
export function wantsFresh(cacheControl: string | undefined): boolean {
  return !!cacheControl && /(^|,)\s*(no-cache|max-age=0)\s*(,|$)/i.test(cacheControl);
}

/**
 * Makes every cached search of the tenant unreachable. Only for changes search can see (a
 * version promoted to served, a served document patched or deleted); see docs/performance.md.
 */
export async function bumpCorpusVersion(db: Pick<Database, 'update'>, tenantId: string) {
  await db
    .update(tenants)
    .set({ corpusVersion: sql`${tenants.corpusVersion} + 1` })
    .where(eq(tenants.id, tenantId));
  forgetCorpusVersion(tenantId);
}
