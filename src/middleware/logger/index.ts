import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import { flushMetrics, MetricsRecorder, recordRequest } from '../../metrics';
import { logJson } from '../../observability/log';
import { parseTraceparent } from '../../observability/traceparent';
import type { AppEnv } from '../../types';

/** The matched route pattern (`/v1/documents/:id`), never the raw path with ids in it. */
export function routePattern(c: Context): string {
  // `c.req.matchedRoutes` rather than the `hono/route` helper: the helper reads a module-private
  // symbol, which breaks when two copies of hono are loaded (as in the test runner).
  const routes = c.req.matchedRoutes;
  for (let i = routes.length - 1; i >= 0; i--) {
    if (routes[i]!.method !== 'ALL') return routes[i]!.path;
  }
  return 'unmatched';
}

const contentLength = (headers: Headers): number | null => {
  const value = headers.get('content-length');
  return value !== null && /^\d+$/.test(value) ? Number(value) : null;
};

function runAfterResponse(c: Context<AppEnv>, work: Promise<unknown>) {
  try {
    c.executionCtx.waitUntil(work);
  } catch {
    // No execution context (e.g. app.request in a unit test): let it run unawaited.
  }
}

/**
 * Counts the bytes of a body without a Content-Length as they stream out, then calls `done`
 * (also when the client goes away). Responses with a known length are never wrapped, so large
 * R2 downloads keep the runtime's native stream path.
 */
function countBody(
  body: ReadableStream<Uint8Array>,
  done: (bytes: number, aborted: boolean) => void,
) {
  const reader = body.getReader();
  let bytes = 0;
  let finished = false;
  const finish = (aborted: boolean) => {
    if (finished) return;
    finished = true;
    done(bytes, aborted);
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done: end, value } = await reader.read();
        if (end) {
          controller.close();
          finish(false);
          return;
        }
        bytes += value.byteLength;
        controller.enqueue(value);
      } catch (error) {
        finish(true);
        controller.error(error);
      }
    },
    cancel(reason) {
      finish(true);
      return reader.cancel(reason);
    },
  });
}

/**
 * One JSON line per request plus its latency metric. Needs `requestId` and `traceContext`
 * before it. `ms` is the time to the response headers. Metrics recorded anywhere in the
 * request are flushed after the response, inside waitUntil.
 */
export const requestLogger = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    const started = Date.now();
    const recorder = new MetricsRecorder();
    c.set('metrics', recorder);
    await next();
    const ms = Date.now() - started;
    const principal = c.get('principal');
    const route = routePattern(c);
    const status = c.res.status;
    const span = parseTraceparent(c.get('traceparent'));
    const line = {
      msg: 'request',
      requestId: c.get('requestId'),
      traceId: span?.traceId,
      spanId: span?.parentId,
      tenantId: principal?.tenantId ?? null,
      keyId: principal?.keyId ?? null,
      method: c.req.method,
      route,
      status,
      ms,
      bytesIn: contentLength(c.req.raw.headers),
    };
    const level = status >= 500 ? 'error' : 'info';
    recordRequest(recorder, principal?.tenantId ?? null, {
      route,
      method: c.req.method,
      status,
      ms,
    });
    runAfterResponse(c, flushMetrics(c.env, recorder));

    const known = contentLength(c.res.headers);
    const body = c.res.body;
    if (known !== null || body === null) {
      logJson(level, { ...line, bytesOut: known ?? 0 });
      return;
    }
    let logged!: () => void;
    runAfterResponse(c, new Promise<void>((resolve) => (logged = resolve)));
    const counted = countBody(body, (bytes, aborted) => {
      logJson(level, { ...line, bytesOut: bytes, ...(aborted ? { aborted: true } : {}) });
      // A streamed body (a chat answer) records metrics while it streams, after the flush above:
      // flush again once it has ended, inside the same waitUntil.
      void flushMetrics(c.env, recorder)
        .catch(() => {})
        .finally(logged);
    });
    c.res = new Response(counted, c.res);
  });
