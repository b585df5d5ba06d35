import { createMiddleware } from 'hono/factory';
import { ApiError } from '../errors';
import type { AppEnv } from '../types';

/**
 * For routes whose figures are the tenant's as a whole (usage, metrics) and have no per-user
 * breakdown: a user token, whatever operations it carries, would see other users' activity
 * in them, so it is refused (issue #16: users see only their own).
 */
export const tenantWideOnly = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    if (c.var.principal.userId !== null) {
      throw ApiError.forbidden('tenant-wide figures are not available to user tokens');
    }
    await next();
  });
