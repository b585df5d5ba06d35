import { ApiError } from '../errors';
import { LruMap } from './lru';

/** How long this isolate refuses lookups from an IP once the limiter said it failed too often. */
export const AUTH_BLOCK_MS = 60_000;

// IPs the platform limiter has refused, with the time their block ends. Bounded: an attacker
// rotating addresses only pushes out the coldest entries.
const blocked = new LruMap<string, number>(10_000);

const tooMany = (ms: number) => {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  return new ApiError(
    429,
    'auth_rate_limited',
    `too many failed authentications from this address; retry in ${seconds} s`,
    undefined,
    { 'Retry-After': String(seconds) },
  );
};

/** The client address Cloudflare stamps on every request; absent only outside the edge (tests, dev). */
export const clientIp = (request: Request) => request.headers.get('cf-connecting-ip') ?? undefined;

/** True while `ip` is blocked in this isolate: its unknown keys are refused before any lookup. */
export function isBlocked(ip: string | undefined, now = Date.now()): boolean {
  if (!ip) return false;
  const until = blocked.peek(ip);
  return until !== undefined && until > now;
}

export function blockedError(ip: string, now = Date.now()): ApiError {
  return tooMany((blocked.peek(ip) ?? now) - now);
}

/**
 * Counts one failed authentication for `ip` on the platform's Rate Limiting binding (shared by
 * every isolate in the location). Over the limit, the IP is blocked here for AUTH_BLOCK_MS and
 * this throws 429 `auth_rate_limited`. A limiter error is ignored: it should not lock everyone out.
 */
export async function recordFailedAuth(
  limiter: RateLimit | undefined,
  ip: string | undefined,
  now = Date.now(),
): Promise<void> {
  if (!limiter || !ip) return;
  let success = true;
  try {
    ({ success } = await limiter.limit({ key: ip }));
  } catch {
    return;
  }
  if (success) return;
  blocked.set(ip, now + AUTH_BLOCK_MS);
  throw tooMany(AUTH_BLOCK_MS);
}
