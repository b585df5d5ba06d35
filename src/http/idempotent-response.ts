import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import { openDatabase } from '../db/client';
import { sha256Hex } from '../crypto/hash';
import { ApiError } from '../errors';
import type { AppEnv } from '../types';
import { claimIdempotencyKey, completeIdempotencyKey, releaseIdempotencyKey } from './idempotency';
import { openSealed, seal } from './sealed';

/** What is kept of a response: its content type and body (JSON value, or event-stream text). */
interface StoredResponse {
  contentType: string;
  body?: unknown;
  /** The body, sealed (see sealed.ts), for responses that carry a secret. */
  sealed?: string;
}

const isEventStream = (res: Response) =>
  (res.headers.get('content-type') ?? '').startsWith('text/event-stream');

/**
 * `Idempotency-Key` as route middleware, on the claim/complete/release of idempotency.ts (the one
 * the upload route uses). The key is claimed for this method and path (a key used on another
 * route or resource is refused, 422) and this body (a key reused with a different body is
 * refused, 422). The first request runs and its successful response is kept for 24 hours; a
 * repeat gets it again (`Idempotent-Replayed: true`) and runs nothing. While the first is
 * running a repeat gets 409 `idempotency_in_progress`. A failed response (non-2xx, an
 * exception) releases the key, so a retry runs afresh. An event stream is kept as the text it
 * sent, once it ends without an `error` event; a stream the client abandons releases the key.
 * `secret`: the response carries a secret (a new API key) and is stored sealed (sealed.ts).
 */
export const idempotency = (options: { secret?: boolean } = {}) =>
  createMiddleware<AppEnv>(async (c, next) => {
    const key = c.req.header('idempotency-key');
    if (!key) return next();
    const { db, principal } = c.var;
    const tenantId = principal.tenantId;
    const fingerprint = await sha256Hex(await c.req.text());
    const claim = await claimIdempotencyKey(db, tenantId, key, `${c.req.method} ${c.req.path}`);
    if (claim.kind === 'replay') {
      if (claim.fingerprint !== null && claim.fingerprint !== fingerprint) {
        throw new ApiError(
          422,
          'idempotency_key_reused',
          'this Idempotency-Key was used with a different request',
        );
      }
      c.res = await replay(c, claim.status, claim.body as StoredResponse);
      return;
    }

    const release = (database = db) =>
      releaseIdempotencyKey(database, tenantId, key).catch(() => {});
    try {
      await next();
    } catch (error) {
      await release();
      throw error;
    }
    const res = c.res;
    if (c.error || !res.ok || !res.body) {
      await release();
      return;
    }
    const contentType = res.headers.get('content-type') ?? 'application/json';
    const stream = isEventStream(res);
    const keep = async (text: string): Promise<StoredResponse> =>
      options.secret
        ? { contentType, sealed: await seal(text, c.env.SIGNING_KEYS) }
        : { contentType, body: stream ? text : JSON.parse(text) };
    if (!stream) {
      const text = await res.text();
      await completeIdempotencyKey(db, tenantId, key, res.status, await keep(text), fingerprint);
      c.res = new Response(text, res);
      return;
    }
    // A stream outlives the request's pool: its end is recorded on a pool of its own.
    const status = res.status;
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const settle = async (ok: boolean) => {
      const pool = openDatabase(c.env);
      try {
        if (ok) {
          await completeIdempotencyKey(
            pool.db,
            tenantId,
            key,
            status,
            await keep(text),
            fingerprint,
          );
        } else await release(pool.db);
      } finally {
        await pool.close().catch(() => {});
      }
    };
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const { done, value } = await reader.read();
        if (done) {
          text += decoder.decode();
          await settle(!/^event: error$/m.test(text)).catch(() => {});
          controller.close();
          return;
        }
        text += decoder.decode(value, { stream: true });
        controller.enqueue(value);
      },
      async cancel(reason) {
        await reader.cancel(reason);
        await settle(false).catch(() => {});
      },
    });
    c.res = new Response(body, res);
  });

async function replay(c: Context<AppEnv>, status: number, stored: StoredResponse) {
  const body =
    stored.sealed !== undefined
      ? await openSealed(stored.sealed, c.env.SIGNING_KEYS)
      : typeof stored.body === 'string' && stored.contentType.startsWith('text/event-stream')
        ? stored.body
        : JSON.stringify(stored.body);
  if (body === null) {
    throw new ApiError(
      422,
      'idempotency_key_reused',
      'the first response to this Idempotency-Key can no longer be replayed; use a new key',
    );
  }
  return new Response(body, {
    status,
    headers: { 'content-type': stored.contentType, 'Idempotent-Replayed': 'true' },
  });
}
