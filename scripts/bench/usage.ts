// npm run bench:usage — synthetic usage rollups for 1,000 tenants x 365 days (365k rows) in the
// embedded Postgres, then the /v1/usage queries for one tenant over a year. Prints, never asserts.
import { PGlite } from '@electric-sql/pglite';
import { btree_gin } from '@electric-sql/pglite/contrib/btree_gin';
import { vector } from '@electric-sql/pglite-pgvector';
import { applyMigrations, pgliteExec } from '../lib/migrate';

const TENANTS = Number(process.env.BENCH_TENANTS ?? 1000);
const DAYS = 365;
const RUNS = Number(process.env.BENCH_RUNS ?? 300);

const pct = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
const summary = (ms: number[]) => {
  const s = [...ms].sort((a, b) => a - b);
  return { p50: pct(s, 0.5), p95: pct(s, 0.95), max: s[s.length - 1]! };
};
const fmt = (n: number) => n.toFixed(3);

const db = await PGlite.create({ extensions: { vector, btree_gin } });
await applyMigrations(pgliteExec(db));

let started = performance.now();
await db.exec(`
  INSERT INTO tenants (id, name)
  SELECT gen_random_uuid(), 'bench-' || i FROM generate_series(1, ${TENANTS}) AS i;
  INSERT INTO usage_daily (tenant_id, day, searches, answers, uploads, tokens_in, tokens_out, cost_usd)
  SELECT t.id, d::date, (random() * 500)::int, (random() * 100)::int, (random() * 20)::int,
         (random() * 200000)::bigint, (random() * 50000)::bigint, random() * 3
  FROM tenants t, generate_series(date '2025-01-01', date '2025-01-01' + ${DAYS - 1}, interval '1 day') AS d;
  INSERT INTO key_activity_daily (tenant_id, day, key_id)
  SELECT t.id, d::date, gen_random_uuid()
  FROM tenants t, generate_series(date '2025-01-01', date '2025-01-01' + ${DAYS - 1}, interval '1 day') AS d,
       generate_series(1, 3);
  ANALYZE usage_daily; ANALYZE key_activity_daily;
`);
const seedMs = performance.now() - started;
const rows = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM usage_daily')).rows[0]!
  .n;
const keyRows = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM key_activity_daily'))
  .rows[0]!.n;
const tenantIds = (await db.query<{ id: string }>('SELECT id FROM tenants')).rows.map((r) => r.id);

// The same statements src/usage/report.ts runs.
const ROLLUP_SQL = `
  SELECT to_char(day, 'YYYY-MM-DD') AS day, searches, answers, uploads, tokens_in, tokens_out, cost_usd
  FROM usage_daily WHERE tenant_id = $1 AND day BETWEEN $2::date AND $3::date`;
const KEYS_SQL = `
  SELECT to_char(day, 'YYYY-MM-DD') AS day, count(*) AS keys
  FROM key_activity_daily WHERE tenant_id = $1 AND day BETWEEN $2::date AND $3::date GROUP BY day`;
const range = ['2025-01-01', '2025-12-31'];

const plan = await db.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${ROLLUP_SQL}`, [
  tenantIds[0],
  ...range,
]);
const keysPlan = await db.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${KEYS_SQL}`, [
  tenantIds[0],
  ...range,
]);

const timeIt = async (sql: string, params: (t: string) => unknown[]) => {
  const ms: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const tenant = tenantIds[Math.floor(Math.random() * tenantIds.length)]!;
    started = performance.now();
    await db.query(sql, params(tenant));
    ms.push(performance.now() - started);
  }
  return summary(ms);
};
const baseline = await timeIt('SELECT $1::uuid AS id', (t) => [t]);
const rollup = await timeIt(ROLLUP_SQL, (t) => [t, ...range]);
const keys = await timeIt(KEYS_SQL, (t) => [t, ...range]);

console.log(
  `usage_daily rows: ${rows} (${TENANTS} tenants x ${DAYS} days), key_activity_daily rows: ${keyRows}`,
);
console.log(`seeded in ${(seedMs / 1000).toFixed(1)} s`);
console.log(
  `plan (usage_daily):        ${plan.rows.map((r) => r['QUERY PLAN'].trim()).join(' | ')}`,
);
console.log(
  `plan (key_activity_daily): ${keysPlan.rows.map((r) => r['QUERY PLAN'].trim()).join(' | ')}`,
);
console.log(`${RUNS} runs, one random tenant each, a full year (365 rows), PGlite in-process:`);
console.log(`  baseline SELECT 1-row     p50 ${fmt(baseline.p50)} ms  p95 ${fmt(baseline.p95)} ms`);
console.log(
  `  usage_daily year          p50 ${fmt(rollup.p50)} ms  p95 ${fmt(rollup.p95)} ms  (${(rollup.p50 / baseline.p50).toFixed(1)}x baseline)`,
);
console.log(
  `  key_activity_daily year   p50 ${fmt(keys.p50)} ms  p95 ${fmt(keys.p95)} ms  (${(keys.p50 / baseline.p50).toFixed(1)}x baseline)`,
);
await db.close();
