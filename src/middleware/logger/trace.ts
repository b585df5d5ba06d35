import { createMiddleware } from 'hono/factory';
import { childTraceparent, parseTraceparent } from '../../observability/traceparent';
import type { AppEnv } from '../../types';

declare module 'hono' {
  interface ContextVariableMap {
    /** W3C traceparent of this request's span: pass it on to queues and Durable Objects. */
    traceparent: string;
  }
}

/**
 * Continues the caller's trace when `traceparent` is valid, else starts one; either way this
 * request gets its own span id. Echoed on the response so clients can quote it.
 */
export const traceContext = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    const traceparent = childTraceparent(parseTraceparent(c.req.header('traceparent')));
    c.set('traceparent', traceparent);
    c.header('traceparent', traceparent);
    await next();
  });
