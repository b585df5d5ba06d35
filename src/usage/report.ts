import { sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import type { DayRange } from './day-range';

export interface UsageDay {
  day: string;
  activeKeys: number;
  searches: number;
  answers: number;
  uploads: number;
  tokensIn: number;
  tokensOut: number;
  costUsd: number;
}

export interface UsageReport {
  from: string;
  to: string;
  granularity: 'day';
  days: UsageDay[];
  totals: Omit<UsageDay, 'day' | 'activeKeys'> & { activeKeys: number };
  /** Stored now (not per day): live documents and the bytes of all their versions. */
  storage: { documents: number; versions: number; bytes: number };
}

const num = (v: unknown) => (v === null || v === undefined ? 0 : Number(v));

/** One tenant's usage per day: both queries are range scans of a (tenant_id, day, …) primary key. */
export async function usageReport(
  db: Database,
  tenantId: string,
  range: DayRange,
): Promise<UsageReport> {
  const [rollups, keys, storage] = await Promise.all([
    db.execute<Record<string, unknown>>(sql`
      SELECT to_char(day, 'YYYY-MM-DD') AS day, searches, answers, uploads, tokens_in, tokens_out, cost_usd
      FROM usage_daily
      WHERE tenant_id = ${tenantId} AND day BETWEEN ${range.from}::date AND ${range.to}::date`),
    db.execute<Record<string, unknown>>(sql`
      SELECT to_char(day, 'YYYY-MM-DD') AS day, count(*) AS keys
      FROM key_activity_daily
      WHERE tenant_id = ${tenantId} AND day BETWEEN ${range.from}::date AND ${range.to}::date
      GROUP BY day`),
    db.execute<Record<string, unknown>>(sql`
      SELECT (SELECT count(*) FROM documents WHERE tenant_id = ${tenantId}) AS documents,
             count(*) AS versions, coalesce(sum(byte_size), 0) AS bytes
      FROM document_versions
      WHERE tenant_id = ${tenantId} AND status <> 'archived'`),
  ]);
  const byDay = new Map(rollups.rows.map((r) => [String(r.day), r]));
  const keysByDay = new Map(keys.rows.map((r) => [String(r.day), num(r.keys)]));
  const days = range.days.map((day): UsageDay => {
    const r = byDay.get(day);
    return {
      day,
      activeKeys: keysByDay.get(day) ?? 0,
      searches: num(r?.searches),
      answers: num(r?.answers),
      uploads: num(r?.uploads),
      tokensIn: num(r?.tokens_in),
      tokensOut: num(r?.tokens_out),
      costUsd: num(r?.cost_usd),
    };
  });
  const sum = (pick: (d: UsageDay) => number) => days.reduce((a, d) => a + pick(d), 0);
  const s = storage.rows[0] ?? {};
  return {
    from: range.from,
    to: range.to,
    granularity: 'day',
    days,
    totals: {
      activeKeys: sum((d) => d.activeKeys),
      searches: sum((d) => d.searches),
      answers: sum((d) => d.answers),
      uploads: sum((d) => d.uploads),
      tokensIn: sum((d) => d.tokensIn),
      tokensOut: sum((d) => d.tokensOut),
      costUsd: Math.round(sum((d) => d.costUsd) * 1e6) / 1e6,
    },
    storage: { documents: num(s.documents), versions: num(s.versions), bytes: num(s.bytes) },
  };
}
