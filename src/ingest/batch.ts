import { openDatabase, type Database } from '../db/client';
import type { Env } from '../env';
import { flushMetrics, MetricsRecorder } from '../metrics';
import { DEFAULT_RETRY_BASE_SECONDS } from './retry';

/** What every consumer of a `vellum-ingest` batch works with. */
export interface BatchResources {
  db: Database;
  /** The batch's stage durations and model calls, flushed when the batch is done. */
  metrics: MetricsRecorder;
  /** Base of the retry backoff, in seconds (`retryDelaySeconds`). */
  retryBase: number;
}

/**
 * Runs one batch's `work` with a background database connection and a metrics recorder, then
 * closes the one and flushes the other after the handler returns, whether or not `work` threw,
 * so neither delays the acks nor is lost with a failure.
 */
export async function withBatchResources(
  env: Env,
  ctx: ExecutionContext,
  work: (resources: BatchResources) => Promise<void>,
): Promise<void> {
  const { db, close } = openDatabase(env, 'background');
  const metrics = new MetricsRecorder();
  const retryBase = Number(env.INGEST_RETRY_BASE_SECONDS ?? DEFAULT_RETRY_BASE_SECONDS);
  try {
    await work({ db, metrics, retryBase });
  } finally {
    ctx.waitUntil(close().catch(() => {}));
    ctx.waitUntil(flushMetrics(env, metrics));
  }
}
