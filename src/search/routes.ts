import { createRoute } from '@hono/zod-openapi';
import { accessKey, accessOf } from '../access/visibility';
import { ApiError } from '../errors';
import { AUTHENTICATED, errorResponse, errorResponses } from '../http/openapi';
import { createRouter } from '../http/router';
import { decodeCursor, encodeCursor } from '../http/cursor';
import { authorize } from '../middleware/auth';
import { countUsage, recordCacheLookup } from '../metrics';
import { meteredAi } from '../metrics/ai';
import {
  normaliseQuery,
  readCachedSearch,
  searchCacheKey,
  writeCachedSearch,
} from '../retrieval/cache';
import { DEGRADED_HEADER } from '../retrieval/degrade';
import { corpusMemoMs, corpusVersion, wantsFresh } from '../retrieval/corpus-version';
import { MAX_DEPTH, search } from '../retrieval/search';
import { SearchBody, SearchResponseSchema } from './schemas';

export const searchRouter = createRouter();

type Cursor = { o: number; f: string };
const isCursor = (v: unknown): v is Cursor =>
  typeof v === 'object' &&
  v !== null &&
  Number.isInteger((v as Cursor).o) &&
  typeof (v as Cursor).f === 'string';

searchRouter.openapi(
  createRoute({
    method: 'post',
    path: '/v1/search',
    operationId: 'search',
    summary: "Semantic, keyword or hybrid search over the tenant's ready documents",
    middleware: [authorize('search')] as const,
    request: { body: { content: { 'application/json': { schema: SearchBody } }, required: true } },
    responses: {
      200: {
        content: { 'application/json': { schema: SearchResponseSchema } },
        description: 'Ranked chunks',
      },
      ...errorResponses(...AUTHENTICATED, 400, 403, 413, 415),
      503: errorResponse(
        503,
        'Neither retrieval leg answered (`retrieval_unavailable`), or a dependency is unavailable',
      ),
    },
  }),
  async (c) => {
    const started = performance.now();
    const body = c.req.valid('json');
    const { db, principal } = c.var;
    const access = accessOf(principal);
    const params = {
      // Cached results are per reach: one user's results are never served to another.
      reach: accessKey(access),
      q: normaliseQuery(body.query),
      mode: body.mode,
      filters: body.filters ?? null,
      fusion: body.fusion ?? null,
      rerank: body.rerank,
      highlight: body.highlight,
      feedback: body.feedback ?? null,
    };
    const fingerprint = (await searchCacheKey(principal.tenantId, 0, params)).url
      .split('/')
      .pop()!
      .slice(0, 16);
    let offset = 0;
    if (body.cursor) {
      const cursor = decodeCursor(body.cursor, isCursor);
      if (cursor.f !== fingerprint)
        throw new ApiError(400, 'bad_request', 'the cursor belongs to another search');
      offset = cursor.o;
    }
    // From this isolate's short memo unless the client asks for `Cache-Control: no-cache`.
    const version = await corpusVersion(db, principal.tenantId, {
      fresh: wantsFresh(c.req.header('cache-control')),
      maxAgeMs: corpusMemoMs(c.env.SEARCH_CORPUS_MEMO_MS),
    });
    const key = await searchCacheKey(principal.tenantId, version, {
      ...params,
      topK: body.topK,
      offset,
    });
    type Payload = Omit<typeof SearchResponseSchema._output, 'took_ms' | 'cache'>;
    let payload = await readCachedSearch<Payload>(key);
    const cache: 'hit' | 'miss' = payload ? 'hit' : 'miss';
    if (!payload) {
      const env = meteredAi(c.env, c, principal.tenantId, 'query');
      const result = await search(env, db, principal.tenantId, {
        query: body.query,
        mode: body.mode,
        topK: body.topK,
        offset,
        filters: body.filters,
        fusion: body.fusion,
        rerank: body.rerank,
        highlight: body.highlight,
        feedback: body.feedback,
        access,
      });
      const nextOffset = offset + body.topK;
      payload = {
        results: result.results.map(({ id, ordinal: _ordinal, mimeType: _mime, ...hit }) => ({
          chunkId: id,
          ...hit,
        })),
        nextCursor:
          nextOffset < Math.min(result.total, MAX_DEPTH)
            ? encodeCursor({ o: nextOffset, f: fingerprint })
            : null,
        mode: body.mode,
        timings: result.timings,
        degraded: result.degraded,
        exhaustive: result.exhaustive,
      };
      // A degraded page is not the answer to this search: caching it would keep serving the
      // fallback for the cache's lifetime after the failed leg is back.
      if (result.degraded.length === 0) {
        c.executionCtx.waitUntil(writeCachedSearch(key, payload).catch(() => {}));
      }
    }
    // Entries cached before the field existed were complete searches.
    payload.degraded ??= [];
    payload.exhaustive ??= true;
    if (payload.degraded.length > 0) c.header(DEGRADED_HEADER, payload.degraded.join(', '));
    recordCacheLookup(c, principal.tenantId, 'search', cache === 'hit');
    countUsage(c, principal.tenantId, { searches: 1 });
    c.header('X-Cache', cache.toUpperCase());
    return c.json(
      { ...payload, took_ms: Math.round((performance.now() - started) * 100) / 100, cache },
      200,
    );
  },
);
