import { createMiddleware } from 'hono/factory';
import { hashApiKey, looksLikeApiKey } from '../../auth/api-key';
import { blockedError, clientIp, isBlocked, recordFailedAuth } from '../../auth/failed-auth';
import { lookupKey, peekKnownKey, type ResolvedKey } from '../../auth/key-store';
import { looksLikeUserToken } from '../../auth/user-token';
import { lookupOperatorKey, OPERATOR_PATH, type OperatorPrincipal } from '../../operator/keys';
import { resolveUserToken } from '../../auth/user-token-auth';
import { roleAllows, type Permission } from '../../auth/roles';
import { ApiError } from '../../errors';
import { clampSettings, operatorCeilings } from '../../tenants/ceilings';
import type { TenantSettings } from '../../tenants/settings';
import { recorderOf } from '../../metrics';
import { keyActivityRow } from '../../usage/key-activity';
import type { AppEnv } from '../../types';

declare module 'hono' {
  interface ContextVariableMap {
    /** The caller's tenant settings, resolved together with its key (same cache bound). */
    tenantSettings: TenantSettings;
    /** Set instead of `principal` when a platform operator key calls /v1/tenants. */
    operator: OperatorPrincipal;
  }
}

/**
 * `Authorization: Bearer vk_...` (an API key) or `Bearer vut1....` (a user token, issue #16)
 * -> `c.var.principal` and `c.var.tenantSettings`.
 */
export const authenticate = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    const ip = clientIp(c.req.raw);
    const fail = async (message?: string): Promise<never> => {
      await recordFailedAuth(c.env.AUTH_FAILURE_LIMITER, ip);
      throw ApiError.unauthorized(message);
    };
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const credential = match?.[1] ?? '';
    const defer = (work: Promise<unknown>) => c.executionCtx.waitUntil(work.catch(() => {}));
    const operatorRoute = OPERATOR_PATH.test(c.req.path);
    let resolved: ResolvedKey | null;
    if (looksLikeUserToken(credential)) {
      // Tokens are verified with the signing key's cached record only; a blocked address is
      // refused before any of it (its tokens are as guessable as its keys).
      if (isBlocked(ip)) throw blockedError(ip!);
      try {
        resolved = await resolveUserToken(c.var.db, credential, Date.now(), defer);
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) {
          await recordFailedAuth(c.env.AUTH_FAILURE_LIMITER, ip);
        }
        throw error;
      }
    } else {
      if (!looksLikeApiKey(credential)) return fail();
      const keyHash = await hashApiKey(credential);
      // A blocked address keeps the keys this isolate already knows (no lookup cost) but gets no
      // Cache API or Postgres work for anything else: guessing keys stops costing us anything.
      if (isBlocked(ip) && !peekKnownKey(keyHash)) throw blockedError(ip!);
      if (operatorRoute) {
        const operator = await lookupOperatorKey(c.var.db, keyHash);
        if (operator) {
          // Tenant management only: no principal, so no tenant route could serve this key.
          c.set('operator', operator);
          return next();
        }
      }
      resolved = await lookupKey(c.var.db, keyHash, Date.now(), defer);
      if (!resolved) {
        // Checked only after a miss, so tenant traffic pays nothing for operator keys.
        if (!operatorRoute && (await lookupOperatorKey(c.var.db, keyHash))) {
          throw ApiError.forbidden('an operator key manages tenants (/v1/tenants) only');
        }
        return fail('the API key is unknown, expired or revoked');
      }
    }
    if (operatorRoute) {
      throw ApiError.forbidden('tenant management needs an operator key');
    }
    c.set('principal', resolved.principal);
    // Held to the operator's ceilings here, where settings take effect for rate limits and the
    // ingest backlog, so a value stored before a ceiling was lowered cannot exceed it either.
    c.set('tenantSettings', clampSettings(resolved.settings, operatorCeilings(c.env)));
    // Daily active keys: noted once per key per day per isolate, written with the other
    // rollups by the isolate's write-behind buffer after the response.
    const activity = keyActivityRow(resolved.principal);
    if (activity) recorderOf(c).keyActive(activity);
    await next();
  });

/** Which permission each `authorize(...)` middleware checks, for permissionOf. */
const declared = new WeakMap<object, Permission>();

/**
 * Declares the permission a route needs; the role table in auth/roles.ts decides, and a user
 * token's operations narrow it further.
 */
export const authorize = (permission: Permission) => {
  const middleware = createMiddleware<AppEnv>(async (c, next) => {
    const { role, operations } = c.var.principal;
    if (!roleAllows(role, permission)) {
      throw ApiError.forbidden(`role '${role}' lacks '${permission}'`);
    }
    if (operations && !operations.includes(permission)) {
      throw ApiError.forbidden(`this user token does not allow '${permission}'`);
    }
    await next();
  });
  declared.set(middleware, permission);
  return middleware;
};

/**
 * The permission a route handler checks when it is an `authorize(...)` middleware: lets a test
 * walk the app's routes and require a documented 403 wherever a permission is declared.
 */
export const permissionOf = (handler: unknown): Permission | undefined =>
  typeof handler === 'function' ? declared.get(handler) : undefined;

/** Operator routes: refuses anything but an operator key (authenticate already does; kept explicit). */
export const requireOperator = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    if (!c.get('operator')) throw ApiError.forbidden('tenant management needs an operator key');
    await next();
  });
