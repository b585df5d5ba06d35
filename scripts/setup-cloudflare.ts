// npm run setup:cloudflare [-- --dry-run] [--ia-days N] [--skip-secrets]
// Creates Vellum's Cloudflare resources and sets the Workers' secrets. Idempotent: it lists
// what exists first, creates only what is missing and tolerates "already exists".
// Needs `wrangler login` (or CLOUDFLARE_API_TOKEN + CLOUDFLARE_ACCOUNT_ID). See docs/deploying.md.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import {
  ALREADY_EXISTS,
  nothingExists,
  planSetup,
  type ExistingResources,
  type Step,
} from './lib/cloudflare-plan';
import { productionVectorIndexes } from './lib/wrangler-config';

const ROOT = resolve(new URL('..', import.meta.url).pathname);
const WRANGLER = resolve(ROOT, 'node_modules/.bin/wrangler');
const argv = process.argv.slice(2);
const dryRun = argv.includes('--dry-run');
const skipSecrets = argv.includes('--skip-secrets');
const iaAt = argv.indexOf('--ia-days');
const infrequentAccessDays = iaAt >= 0 ? Number(argv[iaAt + 1]) : undefined;
// One index per Vectorize shard, exactly as the Workers bind them in [env.production].
const vectorIndexes = productionVectorIndexes();

const quote = (arg: string) =>
  /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
const show = (args: string[]) => `wrangler ${args.map(quote).join(' ')}`;

function wrangler(args: string[], input?: string): { ok: boolean; out: string } {
  const result = spawnSync(WRANGLER, args, {
    cwd: ROOT,
    input,
    encoding: 'utf8',
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
  });
  return { ok: result.status === 0, out: `${result.stdout ?? ''}${result.stderr ?? ''}` };
}

function json<T>(out: string, fallback: T): T {
  const start = out.search(/[[{]/);
  try {
    return start >= 0 ? (JSON.parse(out.slice(start)) as T) : fallback;
  } catch {
    return fallback;
  }
}

/** Reads what exists; a failed listing is treated as "unknown" and the create will tell. */
function discover(): ExistingResources {
  const existing = nothingExists();
  const buckets = wrangler(['r2', 'bucket', 'list']);
  for (const m of buckets.out.matchAll(/^name:\s+(\S+)/gm)) existing.buckets.add(m[1]!);
  const queues = wrangler(['queues', 'list']);
  for (const m of queues.out.matchAll(/\b(vellum-[a-z-]+)\b/g)) existing.queues.add(m[1]!);
  const indexes = json<{ name: string }[]>(wrangler(['vectorize', 'list', '--json']).out, []);
  for (const index of indexes) existing.vectorIndexes.add(index.name);
  for (const name of vectorIndexes) {
    if (!existing.vectorIndexes.has(name)) continue;
    const meta = json<
      { metadataIndexes?: { propertyName: string }[] } | { propertyName: string }[]
    >(wrangler(['vectorize', 'list-metadata-index', name, '--json']).out, []);
    const list = Array.isArray(meta) ? meta : (meta.metadataIndexes ?? []);
    existing.metadataIndexes.set(name, new Set(list.map((m) => m.propertyName)));
  }
  return existing;
}

async function secretValue(step: Step): Promise<string | undefined> {
  const name = step.secret!.name;
  if (process.env[name]) return process.env[name];
  if (!process.stdin.isTTY) return undefined;
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  const answer = await rl.question(
    `${name}${step.secret!.required ? '' : ' (optional, Enter to skip)'}: `,
  );
  rl.close();
  return answer.trim() || undefined;
}

async function main() {
  if (dryRun) {
    console.log('# dry run: nothing is created; a real run lists first and skips what exists');
    for (const args of [
      ['r2', 'bucket', 'list'],
      ['queues', 'list'],
      ['vectorize', 'list', '--json'],
      ...vectorIndexes.map((name) => ['vectorize', 'list-metadata-index', name, '--json']),
    ]) {
      console.log(show(args));
    }
  }
  const existing = dryRun ? nothingExists() : discover();
  const steps = planSetup(existing, { infrequentAccessDays, skipSecrets, vectorIndexes });
  let failed = 0;
  for (const step of steps) {
    if (dryRun) {
      const source = step.secret
        ? `  # value from $${step.secret.name} or a prompt${step.secret.required ? '' : ' (optional)'}`
        : '';
      console.log(`${show(step.args)}${source}`);
      continue;
    }
    let input: string | undefined;
    if (step.secret) {
      input = await secretValue(step);
      if (input === undefined) {
        if (step.secret.required) {
          console.error(
            `✗ ${step.title}: set ${step.secret.name} in the environment or run in a terminal`,
          );
          failed++;
        } else console.error(`- ${step.title}: skipped (not set)`);
        continue;
      }
    }
    const result = wrangler(step.args, input);
    if (result.ok) console.error(`✓ ${step.title}`);
    else if (ALREADY_EXISTS.test(result.out)) console.error(`✓ ${step.title} (already exists)`);
    else {
      failed++;
      console.error(`✗ ${step.title}\n${result.out.trim()}`);
    }
  }
  if (!dryRun) {
    console.error(
      'Analytics Engine: the dataset vellum_metrics is created by the first writeDataPoint; nothing to do.',
    );
  }
  if (failed) process.exit(1);
}

await main();
