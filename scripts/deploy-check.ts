// npm run deploy:check — the deploy rehearsal, offline (no login, no network):
// 1. dry-run deploys of both Workers from [env.production], with their bundle sizes;
// 2. binding drift: every binding a bundle reads is declared in its [env.production] with the
//    name and type src/env.ts gives it, nothing is declared that Env does not know, and the
//    Vectorize shards (VECTOR_SHARDS, VECTORS, VECTORS_1, …) agree across both Workers.
// Declarations come from `wrangler types --env production`. Any drift fails (CI runs this).
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  bindingDrift,
  bindingReads,
  declaredBindings,
  envContract,
  shardAgreement,
  type ShardLayout,
} from './lib/binding-drift';
import { prepareConsoleAssets } from './lib/console-assets';
import { ROOT } from './lib/local-stack';
import { productionConfig, WORKERS } from './lib/wrangler-config';

const LIMIT_GZIP_BYTES = 3 * 1024 * 1024;

prepareConsoleAssets();
const contract = envContract(ROOT);
const problems: string[] = [];
const layouts: ShardLayout[] = [];
let failed = false;
for (const worker of WORKERS) {
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
  let bundle = '';
  for (const file of readdirSync(outdir)) {
    const path = join(outdir, file);
    if (!statSync(path).isFile() || file.endsWith('.map')) continue;
    const bytes = readFileSync(path);
    raw += bytes.length;
    gzip += gzipSync(bytes, { level: 9 }).length;
    if (/\.(m?js)$/.test(file)) bundle += bytes.toString('utf8');
  }
  const ok = gzip < LIMIT_GZIP_BYTES;
  failed ||= !ok;
  console.log(
    `${worker.name.padEnd(7)} ${(raw / 1024).toFixed(1).padStart(8)} KiB raw  ${(gzip / 1024).toFixed(1).padStart(7)} KiB gzip  ${ok ? 'ok' : 'OVER 3 MB LIMIT'}`,
  );

  const declared = await declaredBindings(ROOT, worker.config);
  const reads = bindingReads(bundle, contract);
  problems.push(
    ...bindingDrift(contract, { worker: `${worker.name} (${worker.config})`, declared, reads }),
  );
  const config = productionConfig(worker.config);
  layouts.push({
    worker: worker.name,
    shards: typeof config.vars.VECTOR_SHARDS === 'string' ? config.vars.VECTOR_SHARDS : undefined,
    indexes: Object.fromEntries(config.vectorize.map((v) => [v.binding, v.index_name])),
  });
  console.log(
    `${worker.name.padEnd(7)} bindings read: ${[...reads].sort().join(' ')}; declared: ${declared.size} names`,
  );
}
problems.push(...shardAgreement(layouts));
for (const problem of problems) console.error(`✗ binding drift: ${problem}`);
if (!problems.length)
  console.log('bindings: no drift between src/env.ts, the bundles and [env.production]');
process.exit(failed || problems.length ? 1 : 0);
