import { cors as honoCors } from 'hono/cors';
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../../types';
import { anyTenantListsOrigin } from './tenant-origins';

/** Parses CORS_ORIGINS ("https://a.example,https://b.example" or "*"). */
export function parseOrigins(raw: string | undefined): { any: boolean; list: Set<string> } {
  const entries = (raw ?? '')
    .split(',')
    .map((o) => o.trim().replace(/\/$/, ''))
    .filter(Boolean);
  return { any: entries.includes('*'), list: new Set(entries.filter((o) => o !== '*')) };
}

const EXPOSED = [
  'RateLimit',
  'RateLimit-Policy',
  'Retry-After',
  'X-Request-Id',
  'Idempotent-Replayed',
];
const ALLOWED = ['Authorization', 'Content-Type', 'Idempotency-Key', 'X-Request-Id', 'traceparent'];

/**
 * Browser access for the origins in CORS_ORIGINS. The API authenticates with a bearer
 * header, never cookies, so credentials are never allowed; "*" is therefore safe.
 * Unlisted origins get no Access-Control-Allow-Origin, and the browser blocks them.
 */
export const cors = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    const origins = parseOrigins(c.env.CORS_ORIGINS);
    // A preflight from an origin some tenant lists for its user tokens (see tenant-origins.ts).
    const preflight =
      c.req.method === 'OPTIONS' && c.req.header('access-control-request-method') !== undefined;
    const origin = c.req.header('origin');
    const tenantListed =
      preflight && origin && !origins.any && !origins.list.has(origin) && c.env.DATABASE_URL
        ? await anyTenantListsOrigin(c.env, origin)
        : false;
    return honoCors({
      origin: (origin) => {
        if (origins.any) return '*';
        return origins.list.has(origin) || tenantListed ? origin : null;
      },
      allowMethods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
      allowHeaders: ALLOWED,
      exposeHeaders: EXPOSED,
      credentials: false,
      maxAge: 600,
    })(c, next);
  });
