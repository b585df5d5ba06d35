import { openDatabase } from '../db/client';
import type { Env } from '../env';
import { errorFields, logJson } from '../observability/log';
import { repairBm25Stats, type Bm25RepairResult } from '../retrieval/bm25-stats';
import { createVectorStore } from '../retrieval/vectors';
import { expireRows, type ExpiryResult } from './expiry';
import { resumeDeletions, type DeletionsResult } from './deletions';
import { cleanOrphanObjects, type OrphanResult } from './orphans';
import { enforceRetention, type RetentionResult } from './retention';

export interface MaintenanceReport {
  retention: RetentionResult | null;
  orphans: OrphanResult | null;
  expiry: ExpiryResult | null;
  bm25: Bm25RepairResult | null;
  deletions: DeletionsResult | null;
  errors: { task: string; message: string }[];
}

const numberOr = (value: string | undefined, fallback: number) =>
  value !== undefined && Number.isFinite(Number(value)) ? Number(value) : fallback;

/**
 * The daily cron: retention, orphans, expiry, unfinished deletions, and the repair of each tenant's BM25 statistics.
 * Each task runs on its own so one failure does not stop the others; the report is logged as one
 * JSON line and returned (tests assert on it).
 *
 * Vectorize cannot list vector ids from a Worker binding, so vectors are deleted only for the
 * chunks this job removes (archived versions); vectors orphaned any other way need the
 * `wrangler vectorize list-vectors` + `delete-vectors` procedure in docs/deploying.md.
 */
export async function runMaintenance(
  env: Env,
  options: {
    now: number;
    cron?: string;
    orphanGraceMs?: number;
    orphanPrefix?: string;
    deletionGraceMs?: number;
  },
): Promise<MaintenanceReport> {
  const { db, close } = openDatabase(env, 'background');
  const report: MaintenanceReport = {
    retention: null,
    orphans: null,
    expiry: null,
    bm25: null,
    deletions: null,
    errors: [],
  };
  const attempt = async <T>(task: string, work: () => Promise<T>): Promise<T | null> => {
    try {
      return await work();
    } catch (error) {
      report.errors.push({ task, message: error instanceof Error ? error.message : String(error) });
      logJson('error', { msg: 'maintenance.failed', task, ...errorFields(error) });
      return null;
    }
  };
  try {
    // pgvector vectors live in the chunk rows retention deletes; Vectorize needs its own delete.
    const vectors =
      env.VECTOR_BACKEND === 'vectorize' && env.VECTORS ? createVectorStore(env, db) : undefined;
    report.retention = await attempt('retention', () =>
      enforceRetention(db, env.DOCUMENTS, {
        now: options.now,
        olderThanDays: numberOr(env.RETENTION_OLD_VERSION_DAYS, 30),
        mode: env.RETENTION_MODE === 'infrequent-access' ? 'infrequent-access' : 'delete',
        ...(vectors
          ? {
              deleteVectors: (tenantId: string, ids: string[]) =>
                vectors.deleteByIds(tenantId, ids),
            }
          : {}),
      }),
    );
    report.orphans = await attempt('orphans', () =>
      cleanOrphanObjects(db, env.DOCUMENTS, {
        now: options.now,
        ...(options.orphanGraceMs !== undefined ? { graceMs: options.orphanGraceMs } : {}),
        ...(options.orphanPrefix !== undefined ? { prefix: options.orphanPrefix } : {}),
      }),
    );
    report.expiry = await attempt('expiry', () =>
      expireRows(db, {
        now: options.now,
        metricsRetentionDays: numberOr(env.METRICS_RETENTION_DAYS, 14),
      }),
    );
    // Deletions whose message was lost: queued again, so their saga resumes.
    report.deletions = await attempt('deletions', () =>
      resumeDeletions(db, env, {
        now: options.now,
        ...(options.deletionGraceMs !== undefined ? { graceMs: options.deletionGraceMs } : {}),
      }),
    );
    // After retention: the statistics cover what is served, which retention never touches.
    report.bm25 = await attempt('bm25', () => repairBm25Stats(db));
    for (const drift of report.bm25?.drifted ?? []) {
      // The write path keeps the statistics exact, so any drift is a defect worth a warning.
      logJson('warn', {
        msg: 'maintenance.bm25_drift',
        tenantId: drift.tenantId,
        dfRows: drift.dfRows,
        postingRows: drift.postingRows,
        postingsCovered: drift.postingsCovered,
        nDelta: drift.n.actual - drift.n.stored,
        corpusLengthDelta: drift.totalTokens.actual - drift.totalTokens.stored,
      });
    }
    logJson(report.errors.length ? 'warn' : 'info', {
      msg: 'maintenance.done',
      cron: options.cron,
      archivedVersions: report.retention?.archived.length ?? null,
      chunksDeleted: report.retention?.chunksDeleted ?? null,
      orphanObjectsScanned: report.orphans?.scanned ?? null,
      orphanObjectsDeleted: report.orphans?.deleted.length ?? null,
      idempotencyKeysExpired: report.expiry?.idempotencyKeys ?? null,
      metricRowsExpired: report.expiry?.metricRows ?? null,
      deletionsRequeued: report.deletions?.requeued ?? null,
      bm25TenantsChecked: report.bm25?.tenants ?? null,
      bm25TenantsDrifted: report.bm25?.drifted.length ?? null,
      bm25DfRowsRepaired: report.bm25?.drifted.reduce((sum, d) => sum + d.dfRows, 0) ?? null,
      bm25PostingRowsRepaired:
        report.bm25?.drifted.reduce((sum, d) => sum + d.postingRows, 0) ?? null,
      errors: report.errors.length,
    });
    return report;
  } finally {
    await close().catch(() => {});
  }
}
