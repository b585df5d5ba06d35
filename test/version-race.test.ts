// Two concurrent PUT /v1/documents/:id/content calls: each upload streams to its own R2 key,
// so the loser can neither overwrite nor delete the winner's bytes.
import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createApp } from '../src/app';
import type { Env } from '../src/env';
import { BASE, newTenant, uploadText, withDb } from './helpers';

/** A body whose second half is held back until `release()`: both uploads are mid-stream at once. */
function gatedBody(text: string) {
  const bytes = new TextEncoder().encode(text);
  const half = Math.floor(bytes.length / 2);
  let release!: () => void;
  let reading!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const started = new Promise<void>((r) => (reading = r));
  let pulls = 0;
  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        pulls += 1;
        if (pulls === 1) return controller.enqueue(bytes.slice(0, half));
        reading();
        await gate;
        controller.enqueue(bytes.slice(half));
        controller.close();
      },
    },
    { highWaterMark: 0 },
  );
  return { body, started, release };
}

describe('concurrent new versions', () => {
  it('never leaves a version pointing at missing or foreign bytes', async () => {
    const client = await newTenant('editor');
    const created = await uploadText(client, `original ${crypto.randomUUID()}`);
    expect(created.status).toBe(202);
    const id = created.body.document.id;
    const app = createApp();
    const put = async (text: string) => {
      const gated = gatedBody(text);
      const ctx = createExecutionContext();
      const response = Promise.resolve(
        app.request(
          `${BASE}/v1/documents/${id}/content`,
          {
            method: 'PUT',
            headers: { authorization: `Bearer ${client.key}`, 'content-type': 'text/plain' },
            body: gated.body,
          },
          env as Env,
          ctx,
        ),
      );
      return {
        ...gated,
        text,
        done: response.then(async (r: Response) => ({
          status: r.status,
          body: (await r.json()) as any,
          ctx,
        })),
      };
    };
    const a = await put(`version from A ${'a'.repeat(2000)} ${crypto.randomUUID()}`);
    const b = await put(`version from B ${'b'.repeat(2000)} ${crypto.randomUUID()}`);
    // Both handlers have read the current version (1) and are streaming version 2.
    await Promise.all([a.started, b.started]);
    a.release();
    b.release();
    const results = await Promise.all([a.done, b.done]);
    for (const r of results) await waitOnExecutionContext(r.ctx);
    const statuses = results.map((r) => r.status).sort();
    // One wins version 2; the other is refused (409) or, never, silently merged.
    expect(statuses).toEqual([202, 409]);
    const winner = results[0]!.status === 202 ? a : b;
    expect(results.find((r) => r.status === 409)!.body.error.code).toBe('conflict');

    const link = await client.json(`/v1/documents/${id}/download?version=2`);
    expect(link.status).toBe(200);
    const file = await app.request(link.body.url, {}, env as Env, createExecutionContext());
    expect(file.status).toBe(200);
    expect(await file.text()).toBe(winner.text);

    // Every object under the document's prefix is a version row's key, and vice versa.
    const rows = await withDb((db) =>
      db.execute<{ r2_key: string }>(
        sql`SELECT r2_key FROM document_versions WHERE document_id = ${id} ORDER BY version`,
      ),
    );
    const listed = await env.DOCUMENTS.list({
      prefix: `tenants/${client.tenantId}/documents/${id}/`,
    });
    expect(listed.objects.map((o) => o.key).sort()).toEqual(rows.rows.map((r) => r.r2_key).sort());
    expect(rows.rows).toHaveLength(2);
  });
});
