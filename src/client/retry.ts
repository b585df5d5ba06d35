export interface RetryOptions {
  /** Attempts after the first one (default 4). */
  retries?: number;
  /** First backoff in ms, doubled each attempt with jitter (default 250). */
  baseDelayMs?: number;
  /** Cap for one wait, including Retry-After (default 30 s). */
  maxDelayMs?: number;
}

export const isRetryable = (status: number) => status === 429 || status >= 500;

/** Methods whose repetition has the effect of one request (RFC 9110 §9.2.2). */
const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);

/**
 * May this request be sent again after a failure? A lost reply leaves the client unable to
 * tell whether a POST took effect, so a non-idempotent request is retried only when it carries
 * an `Idempotency-Key`: the server then answers a repeat with the first response instead of
 * acting twice.
 */
export function mayRetry(method: string, headers: Record<string, string> = {}): boolean {
  if (IDEMPOTENT_METHODS.has(method.toUpperCase())) return true;
  return Object.keys(headers).some((name) => name.toLowerCase() === 'idempotency-key');
}

/** Retry-After as seconds or an HTTP date; null when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | null {
  if (!header) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

export function backoffMs(attempt: number, options: RetryOptions, retryAfter: number | null) {
  const max = options.maxDelayMs ?? 30_000;
  if (retryAfter !== null) return Math.min(retryAfter, max);
  const base = (options.baseDelayMs ?? 250) * 2 ** attempt;
  return Math.min(max, base / 2 + Math.random() * (base / 2));
}

/** A DOMException named AbortError (not every runtime makes DOMException an Error). */
const isAbort = (error: unknown) =>
  typeof error === 'object' &&
  error !== null &&
  (error as { name?: unknown }).name === 'AbortError';

/**
 * Runs `send` again on 429/5xx and network errors (not an abort), honouring Retry-After. `send`
 * must build a fresh request each time (bodies are single-use).
 */
export async function withRetries(
  send: () => Promise<Response>,
  options: RetryOptions = {},
  sleep = (ms: number) => new Promise((r) => setTimeout(r, ms)),
): Promise<Response> {
  const retries = options.retries ?? 4;
  for (let attempt = 0; ; attempt++) {
    let res: Response;
    try {
      res = await send();
    } catch (error) {
      // An abort is the caller's decision (a user left the page), not a failure to ride out.
      if (attempt >= retries || isAbort(error)) throw error;
      await sleep(backoffMs(attempt, options, null));
      continue;
    }
    if (!isRetryable(res.status) || attempt >= retries) return res;
    await res.body?.cancel().catch(() => {});
    await sleep(backoffMs(attempt, options, retryAfterMs(res.headers.get('retry-after'))));
  }
}
