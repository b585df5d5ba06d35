// Per-tenant CORS origins (issue #16): browsers call the edge directly with user tokens.
//
// A preflight carries no Authorization header, so it cannot say which tenant it is for. We
// answer a preflight for an origin that CORS_ORIGINS lists or that some tenant lists in its
// `corsOrigins` setting (one cached lookup per origin), and grant the actual response's
// Access-Control-Allow-Origin only when the request's user token belongs to a tenant that lists
// that origin. A preflight grants nothing by itself: without the actual response's header the
// browser never reads the answer, and the API never uses cookies, so another tenant's origin
// gains nothing from passing the preflight.
import { sql } from 'drizzle-orm';
import { createMiddleware } from 'hono/factory';
import { LruMap } from '../../auth/lru';
import { openDatabase } from '../../db/client';
import type { Env } from '../../env';
import type { AppEnv } from '../../types';

const LISTED_TTL_MS = 60_000;
const UNLISTED_TTL_MS = 10_000;
const listed = new LruMap<string, { value: boolean; until: number }>(10_000);

/** Whether any tenant lists `origin` (cached per isolate: 60 s if listed, 10 s if not). */
export async function anyTenantListsOrigin(env: Env, origin: string, now = Date.now()) {
  const hit = listed.get(origin);
  if (hit && hit.until > now) return hit.value;
  const { db, close } = openDatabase(env);
  try {
    const res = await db.execute(
      sql`SELECT 1 FROM tenants WHERE status = 'active' AND settings->'corsOrigins' ? ${origin} LIMIT 1`,
    );
    const value = res.rows.length > 0;
    listed.set(origin, { value, until: now + (value ? LISTED_TTL_MS : UNLISTED_TTL_MS) });
    return value;
  } catch {
    return false;
  } finally {
    await close().catch(() => {});
  }
}

export const EXPOSED_HEADERS =
  'RateLimit, RateLimit-Policy, Retry-After, X-Request-Id, Idempotent-Replayed';

/**
 * After authenticate(): a request made with a user token from an origin its tenant lists gets
 * that origin in Access-Control-Allow-Origin, on success and on errors alike (429, 403, 404).
 */
export const tenantCors = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    await next();
    const origin = c.req.header('origin');
    const principal = c.get('principal');
    if (!origin || !principal || principal.userId === null) return;
    if (c.res.headers.get('access-control-allow-origin')) return;
    if (!c.get('tenantSettings')?.corsOrigins?.includes(origin)) return;
    c.res.headers.set('Access-Control-Allow-Origin', origin);
    c.res.headers.set('Access-Control-Expose-Headers', EXPOSED_HEADERS);
    c.res.headers.append('Vary', 'Origin');
  });
