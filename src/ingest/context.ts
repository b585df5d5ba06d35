import type { Database } from '../db/client';
import type { documentVersions } from '../db/schema';
import type { Env } from '../env';
import { recordIngestStage, type MetricsRecorder } from '../metrics';
import type { VersionRef } from './status';

/** What every step of the pipeline works with: bindings, the database, and where stages are timed. */
export interface IngestContext {
  env: Env;
  db: Database;
  /** Stage durations go here (`ingest_stage`); the consumer flushes it after the batch. */
  metrics?: MetricsRecorder;
}

export type VersionRow = typeof documentVersions.$inferSelect;

/** Notes a finished stage's duration as an event detail's `ms` and as an `ingest_stage` metric. */
export function stageDone(ctx: IngestContext, ref: VersionRef, stage: string, ms: number): number {
  if (ctx.metrics) recordIngestStage(ctx.metrics, ref.tenantId, stage, ms);
  return ms;
}
