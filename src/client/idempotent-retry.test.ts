import { describe, expect, it } from 'vitest';
import { createClient } from './index';
import { mayRetry } from './retry';

/** A server that fails with 503 until the given attempt, recording every request it sees. */
function flakyServer(succeedOnAttempt: number, body: unknown = {}) {
  const seen: { method: string; url: string; key: string | null }[] = [];
  const fetch = (async (url: string, init: RequestInit) => {
    const headers = new Headers(init.headers);
    seen.push({ method: init.method!, url, key: headers.get('idempotency-key') });
    if (seen.length < succeedOnAttempt) {
      const error = { code: 'unavailable', message: 'try again', requestId: 'r' };
      return Response.json({ error }, { status: 503 });
    }
    return Response.json(body, { status: 200 });
  }) as typeof globalThis.fetch;
  const client = createClient({
    baseUrl: 'https://vellum.test',
    apiKey: 'vk_test',
    fetch,
    retry: { retries: 3, baseDelayMs: 1, maxDelayMs: 1 },
  });
  return { client, seen };
}

describe('client retries cannot duplicate', () => {
  it('retries idempotent methods, and other methods only with an Idempotency-Key', () => {
    expect(mayRetry('GET')).toBe(true);
    expect(mayRetry('DELETE')).toBe(true);
    expect(mayRetry('POST')).toBe(false);
    expect(mayRetry('PATCH', { 'content-type': 'application/json' })).toBe(false);
    expect(mayRetry('POST', { 'Idempotency-Key': 'k1' })).toBe(true);
  });

  it('does not resend a POST without a key (creating a conversation)', async () => {
    const { client, seen } = flakyServer(2);
    await expect(client.chat.create({})).rejects.toMatchObject({ status: 503 });
    expect(seen).toHaveLength(1);
  });

  it('resends key creation with the same Idempotency-Key', async () => {
    const { client, seen } = flakyServer(3, { id: 'k', secret: 'vk_x' });
    await client.keys.create({ name: 'ci', role: 'viewer' } as never);
    expect(seen).toHaveLength(3);
    expect(new Set(seen.map((s) => s.key)).size).toBe(1);
    expect(seen[0]!.key).toEqual(expect.any(String));
  });

  it('resends a chat message with one Idempotency-Key, or the caller’s own', async () => {
    const { client, seen } = flakyServer(2);
    const stream = client.chat.stream('c1', 'hello?', { idempotencyKey: 'turn-1' });
    await stream.next().catch(() => {});
    expect(seen.map((s) => s.key)).toEqual(['turn-1', 'turn-1']);
  });

  it('still retries reads and searches', async () => {
    const { client, seen } = flakyServer(2, { results: [] });
    await client.search({ query: 'q' } as never);
    expect(seen).toHaveLength(2);
  });
});
