import { describe, expect, it } from 'vitest';
import { backoffMs, retryAfterMs, withRetries } from './retry';

describe('withRetries', () => {
  it('retries 429 and 5xx, waiting what Retry-After says, then returns the success', async () => {
    const statuses = [429, 503, 200];
    const waits: number[] = [];
    let calls = 0;
    const res = await withRetries(
      async () =>
        new Response(null, {
          status: statuses[calls++]!,
          headers: calls === 1 ? { 'retry-after': '2' } : {},
        }),
      { baseDelayMs: 100 },
      async (ms) => void waits.push(ms),
    );
    expect(res.status).toBe(200);
    expect(calls).toBe(3);
    expect(waits[0]).toBe(2000);
    expect(waits[1]).toBeGreaterThanOrEqual(100);
    expect(waits[1]).toBeLessThanOrEqual(200);
  });

  it('does not retry other 4xx and gives up after the allowed retries', async () => {
    let calls = 0;
    const notFound = await withRetries(
      async () => (calls++, new Response(null, { status: 404 })),
      {},
      async () => {},
    );
    expect(notFound.status).toBe(404);
    expect(calls).toBe(1);
    calls = 0;
    const down = await withRetries(
      async () => (calls++, new Response(null, { status: 500 })),
      { retries: 2 },
      async () => {},
    );
    expect(down.status).toBe(500);
    expect(calls).toBe(3);
  });

  it('does not retry a request its caller aborted', async () => {
    // The console aborts a streamed answer when the user leaves the page: that is no outage.
    const controller = new AbortController();
    controller.abort();
    let calls = 0;
    const waits: number[] = [];
    const sent = withRetries(
      async () => {
        calls++;
        return fetch('https://vellum.invalid/', { signal: controller.signal });
      },
      {},
      async (ms) => void waits.push(ms),
    );
    await expect(sent).rejects.toMatchObject({ name: 'AbortError' });
    expect(calls).toBe(1);
    expect(waits).toEqual([]);
  });

  it('reads Retry-After as seconds or a date and caps the wait', () => {
    expect(retryAfterMs('3')).toBe(3000);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(retryAfterMs('soon')).toBeNull();
    expect(backoffMs(0, { maxDelayMs: 1000 }, 60_000)).toBe(1000);
  });
});
