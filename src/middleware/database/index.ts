import { createMiddleware } from 'hono/factory';
import { openDatabase } from '../../db/client';
import type { AppEnv } from '../../types';

/**
 * Exposes `c.var.db`. The pool connects on its first query only, so routes that never
 * touch Postgres pay nothing; it is closed after the response.
 */
export const database = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    const { db, close } = openDatabase(c.env);
    c.set('db', db);
    try {
      await next();
    } finally {
      const closing = close().catch(() => {});
      try {
        c.executionCtx.waitUntil(closing);
      } catch {
        await closing;
      }
    }
  });
