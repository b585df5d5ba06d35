// npm run deploy [-- --dry-run]
// 1. applies migrations to DATABASE_URL (npm run db:migrate), 2. deploys the ingest Worker
// (consumers and cron first, so it understands every message the new API may send),
// 3. deploys the API Worker. --dry-run builds both bundles without uploading and skips migrations.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { prepareConsoleAssets } from './lib/console-assets';

const ROOT = resolve(new URL('..', import.meta.url).pathname);
const dryRun = process.argv.includes('--dry-run');

export const DEPLOY_STEPS = [
  {
    title: 'migrations',
    out: 'migrations',
    command: 'npm',
    args: ['run', 'db:migrate'],
    skipOnDryRun: true,
  },
  {
    title: 'ingest Worker',
    out: 'ingest',
    command: resolve(ROOT, 'node_modules/.bin/wrangler'),
    args: ['deploy', '--env', 'production', '--config', 'workers/ingest/wrangler.toml'],
  },
  {
    title: 'API Worker',
    out: 'api',
    command: resolve(ROOT, 'node_modules/.bin/wrangler'),
    args: ['deploy', '--env', 'production', '--config', 'wrangler.toml'],
  },
];

if (!dryRun && !process.env.DATABASE_URL) {
  console.error('DATABASE_URL must point at the production database (migrations run first).');
  process.exit(1);
}

// The API Worker uploads the console (with Swagger UI's files) as static assets.
prepareConsoleAssets();
for (const step of DEPLOY_STEPS) {
  if (dryRun && step.skipOnDryRun) {
    console.error(`- ${step.title}: skipped (dry run)`);
    continue;
  }
  const args = dryRun ? [...step.args, '--dry-run', '--outdir', `dist/${step.out}`] : step.args;
  console.error(`→ ${step.title}: ${step.command.split('/').pop()} ${args.join(' ')}`);
  const result = spawnSync(step.command, args, {
    cwd: ROOT,
    stdio: 'inherit',
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
  });
  if (result.status !== 0) {
    console.error(`✗ ${step.title} failed; later steps were not run`);
    process.exit(result.status ?? 1);
  }
}
console.error(dryRun ? 'dry run complete' : 'deployed');
