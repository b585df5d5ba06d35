// npm run deploy:check — dry-run deploys of both Workers (no login, no network) and their bundle sizes.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { prepareConsoleAssets } from './lib/console-assets';
import { ROOT } from './lib/local-stack';

const LIMIT_GZIP_BYTES = 3 * 1024 * 1024;
const workers = [
  { name: 'api', config: 'wrangler.toml' },
  { name: 'ingest', config: 'workers/ingest/wrangler.toml' },
];

prepareConsoleAssets();
let failed = false;
for (const worker of workers) {
  const outdir = resolve(ROOT, 'dist', worker.name);
  execFileSync(
    resolve(ROOT, 'node_modules/.bin/wrangler'),
    [
      'deploy',
      '--dry-run',
      '--minify',
      '--env',
      'production',
      '-c',
      worker.config,
      '--outdir',
      outdir,
    ],
    {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
    },
  );
  let raw = 0;
  let gzip = 0;
  for (const file of readdirSync(outdir)) {
    const path = join(outdir, file);
    if (!statSync(path).isFile() || file.endsWith('.map')) continue;
    const bytes = readFileSync(path);
    raw += bytes.length;
    gzip += gzipSync(bytes, { level: 9 }).length;
  }
  const ok = gzip < LIMIT_GZIP_BYTES;
  failed ||= !ok;
  console.log(
    `${worker.name.padEnd(7)} ${(raw / 1024).toFixed(1).padStart(8)} KiB raw  ${(gzip / 1024).toFixed(1).padStart(7)} KiB gzip  ${ok ? 'ok' : 'OVER 3 MB LIMIT'}`,
  );
}
process.exit(failed ? 1 : 0);
