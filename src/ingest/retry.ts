/** Must match max_retries of the ingest queue consumer in workers/ingest/wrangler.toml. */
export const MAX_INGEST_ATTEMPTS = 5;
export const DEFAULT_RETRY_BASE_SECONDS = 5;
const MAX_DELAY_SECONDS = 15 * 60;

/** Exponential backoff with jitter over the upper half; `attempt` is 1 on first delivery. */
export function retryDelaySeconds(
  attempt: number,
  baseSeconds = DEFAULT_RETRY_BASE_SECONDS,
  random: () => number = Math.random,
): number {
  if (baseSeconds <= 0) return 0;
  const ceiling = Math.min(MAX_DELAY_SECONDS, baseSeconds * 2 ** Math.max(0, attempt - 1));
  return Math.max(1, Math.round(ceiling / 2 + random() * (ceiling / 2)));
}

/** An error's name and first line, without query parameters (which may hold document text). */
export function describeError(error: unknown): { name: string; message: string } {
  const err = error instanceof Error ? error : new Error(String(error));
  const firstLine = (err.message.split('\n')[0] ?? '').replace(/params:.*$/s, '');
  return { name: err.name, message: firstLine.slice(0, 200) };
}

/** A failure that retrying cannot fix; the document fails at once with `code`. */
export class PermanentIngestError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** Recorded with the failure event (for `limits_exceeded`: which cap). */
    readonly detail?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'PermanentIngestError';
  }
}
