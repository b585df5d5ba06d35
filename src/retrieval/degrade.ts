import { memoryBreakers } from '../ai/reliability/breakers';
import { ApiError } from '../errors';
import { errorFields, logJson } from '../observability/log';

/** A retrieval leg that can fail on its own while the other still answers. */
export type RetrievalLeg = 'semantic' | 'keyword';

/** Response header naming the legs a degraded answer ran without (comma-separated). */
export const DEGRADED_HEADER = 'Vellum-Degraded';

/**
 * Breakers for the semantic leg (embedder + vector store), per isolate. Not the shared Durable
 * Object the model breakers use: a DO round trip on every search would cost more than a
 * breaker saves here, and the point is only to stop one isolate from waiting on a dependency it
 * has just seen fail several times in a row. While open, search goes keyword-only at once.
 */
const semanticBreakers = memoryBreakers();

export function semanticBreakerKey(env: { EMBEDDING_BACKEND?: string; VECTOR_BACKEND?: string }) {
  return `semantic:${env.EMBEDDING_BACKEND ?? 'local'}:${env.VECTOR_BACKEND ?? 'pgvector'}`;
}

export type LegOutcome<T> = { ok: true; value: T } | { ok: false };

/**
 * Runs one leg, turning its failure into `{ ok: false }` (logged) so search can answer from the
 * other leg. With a breaker key, an open breaker skips the call and each outcome is recorded.
 */
export async function runLeg<T>(
  leg: RetrievalLeg,
  run: () => Promise<T>,
  breakerKey?: string,
): Promise<LegOutcome<T>> {
  if (breakerKey && !(await semanticBreakers.check(breakerKey)).allowed) {
    logJson('warn', { msg: 'retrieval leg skipped: breaker open', leg, breaker: breakerKey });
    return { ok: false };
  }
  try {
    const value = await run();
    if (breakerKey) await semanticBreakers.record(breakerKey, 'success');
    return { ok: true, value };
  } catch (error) {
    if (breakerKey) await semanticBreakers.record(breakerKey, 'failure');
    logJson('warn', { msg: 'retrieval leg failed', leg, ...errorFields(error) });
    return { ok: false };
  }
}

/** Neither leg could run: there is nothing to rank. One stable code for clients to retry on. */
export function retrievalUnavailable(): ApiError {
  return new ApiError(
    503,
    'retrieval_unavailable',
    'search is temporarily unavailable: neither keyword nor semantic retrieval answered',
    undefined,
    { 'Retry-After': '5' },
  );
}
