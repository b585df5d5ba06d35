import { createMiddleware } from 'hono/factory';
import { hashApiKey, looksLikeApiKey } from '../../auth/api-key';
import { resolveKey } from '../../auth/key-store';
import { roleAllows, type Permission } from '../../auth/roles';
import { ApiError } from '../../errors';
import { noteKeyActivity } from '../../usage/key-activity';
import type { AppEnv } from '../../types';

/** `Authorization: Bearer vk_...` -> `c.var.principal`. */
export const authenticate = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match || !looksLikeApiKey(match[1]!)) throw ApiError.unauthorized();
    const principal = await resolveKey(c.var.db, await hashApiKey(match[1]!), Date.now(), (work) =>
      c.executionCtx.waitUntil(work.catch(() => {})),
    );
    if (!principal) throw ApiError.unauthorized('the API key is unknown, expired or revoked');
    c.set('principal', principal);
    // Daily active keys: one upsert per key per day per isolate, after the response.
    const activity = noteKeyActivity(c.var.db, principal);
    if (activity) c.executionCtx.waitUntil(activity);
    await next();
  });

/** Declares the permission a route needs; the role table in auth/roles.ts decides. */
export const authorize = (permission: Permission) =>
  createMiddleware<AppEnv>(async (c, next) => {
    if (!roleAllows(c.var.principal.role, permission)) {
      throw ApiError.forbidden(`role '${c.var.principal.role}' lacks '${permission}'`);
    }
    await next();
  });
