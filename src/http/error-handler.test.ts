import { createRoute, z } from '@hono/zod-openapi';
import { describe, expect, it } from 'vitest';
import { handleError } from './error-handler';
import { errorResponses } from './openapi';
import { createRouter } from './router';

/** A JSON route wired the way every router is: zod validation, the one error handler. */
function jsonRoute() {
  const router = createRouter();
  router.openapi(
    createRoute({
      method: 'post',
      path: '/echo',
      request: {
        body: { content: { 'application/json': { schema: z.object({ a: z.string() }) } } },
      },
      responses: {
        200: {
          content: { 'application/json': { schema: z.object({ a: z.string() }) } },
          description: 'ok',
        },
        ...errorResponses(400, 415),
      },
    }),
    (c) => c.json(c.req.valid('json'), 200),
  );
  router.onError(handleError);
  return router;
}

describe('validator errors become the envelope with their own status', () => {
  it('answers a JSON route sent another media type with 415 unsupported_media_type', async () => {
    const res = await jsonRoute().request('/echo', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'a=b',
    });
    expect(res.status).toBe(415);
    const body = (await res.json()) as { error: { code: string } };
    expect(body.error.code).toBe('unsupported_media_type');
  });

  it('still answers malformed JSON with 400 malformed_json', async () => {
    const res = await jsonRoute().request('/echo', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"a":',
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('malformed_json');
  });
});
