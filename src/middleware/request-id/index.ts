import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../../types';

const VALID_REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;

/** Accepts a sane incoming X-Request-Id, otherwise mints one; echoes it on every response. */
export const requestId = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    const incoming = c.req.header('x-request-id');
    const id = incoming && VALID_REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID();
    c.set('requestId', id);
    c.header('X-Request-Id', id);
    await next();
  });
