// Polling helpers for tests that drive ingest through the real queues: one definition.
import type { TestClient } from '../helpers';

/** Polls `check` until it returns a value (not undefined), or fails after `timeoutMs`. */
export async function poll<T>(
  what: string,
  check: () => Promise<T | undefined>,
  { timeoutMs = 20_000, intervalMs = 100 } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Waits until the document's current version is ready; throws at once if it failed. */
export function waitForReady(client: TestClient, id: string, timeoutMs = 20_000) {
  return poll(
    `document ${id} to be ready`,
    async () => {
      const { body } = await client.json(`/v1/documents/${id}`);
      if (body.status === 'failed') throw new Error(`document ${id} failed: ${body.failureReason}`);
      return body.status === 'ready' && body.readyVersion === body.currentVersion
        ? body
        : undefined;
    },
    { timeoutMs },
  );
}

/**
 * Waits until the document is in one of `statuses` (`ready` counts only once its current version
 * is the one served) and returns its detail.
 */
export function waitForStatus(
  client: TestClient,
  id: string,
  statuses: string[],
  timeoutMs = 20_000,
) {
  let last = '';
  return poll(
    `document ${id} to reach ${statuses.join('/')}`,
    async () => {
      const { body } = await client.json(`/v1/documents/${id}`);
      last = `${body.status} (${body.progress?.stage})`;
      const settled = body.status !== 'ready' || body.readyVersion === body.currentVersion;
      return statuses.includes(body.status) && settled ? body : undefined;
    },
    { timeoutMs },
  ).catch((error: Error) => {
    throw new Error(`${error.message}; last seen ${last}`);
  });
}
