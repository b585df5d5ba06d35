import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { METADATA_INDEXES, nothingExists, planSetup } from '../../scripts/lib/cloudflare-plan';
import { VECTORIZE_METADATA_INDEXES } from '../../src/retrieval/vectors/vectorize';
import { shardIndexName } from '../../src/retrieval/vectors/shard';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '../..');
/** VECTOR_SHARDS in both production configs: one Vectorize index per shard. */
const SHARDS = 64;
const INDEXES = Array.from({ length: SHARDS }, (_, shard) => shardIndexName(shard));

describe('npm run setup:cloudflare -- --dry-run', () => {
  it('prints every wrangler command in order, one index per shard, metadata indexes right after each', async () => {
    const { stdout } = await run(
      join(ROOT, 'node_modules/.bin/tsx'),
      ['scripts/setup-cloudflare.ts', '--dry-run'],
      {
        cwd: ROOT,
        env: { ...process.env, DATABASE_URL: 'postgres://user:hunter2@db.example/vellum' },
      },
    );
    const commands = stdout
      .split('\n')
      .filter((l) => l.startsWith('wrangler '))
      .map((l) => l.replace(/\s+#.*$/, ''));
    expect(commands).toEqual([
      'wrangler r2 bucket list',
      'wrangler queues list',
      'wrangler vectorize list --json',
      ...INDEXES.map((name) => `wrangler vectorize list-metadata-index ${name} --json`),
      'wrangler r2 bucket create vellum-documents',
      'wrangler queues create vellum-ingest',
      'wrangler queues create vellum-ingest-dlq',
      'wrangler queues create vellum-events',
      'wrangler queues create vellum-events-dlq',
      ...INDEXES.flatMap((name) => [
        `wrangler vectorize create ${name} --dimensions 768 --metric cosine`,
        `wrangler vectorize create-metadata-index ${name} --propertyName documentId --type string`,
        `wrangler vectorize create-metadata-index ${name} --propertyName mimeType --type string`,
        `wrangler vectorize create-metadata-index ${name} --propertyName version --type number`,
        `wrangler vectorize create-metadata-index ${name} --propertyName access --type string`,
      ]),
      ...['wrangler.toml', 'workers/ingest/wrangler.toml'].flatMap((config) =>
        ['DATABASE_URL', 'SIGNING_KEYS', 'ANTHROPIC_API_KEY'].map(
          (name) => `wrangler secret put ${name} --config ${config} --env production`,
        ),
      ),
    ]);
    expect(stdout).not.toContain('hunter2'); // secret values are never printed
  }, 180_000);

  it('creates a metadata index for every property the Vectorize store filters on', () => {
    expect(METADATA_INDEXES.map((m) => m.propertyName).sort()).toEqual(
      [...VECTORIZE_METADATA_INDEXES].sort(),
    );
  }); // a subprocess that loads wrangler's config reader: slow on a busy machine

  it('adds the Infrequent Access lifecycle rule only when asked', async () => {
    const { stdout } = await run(
      join(ROOT, 'node_modules/.bin/tsx'),
      ['scripts/setup-cloudflare.ts', '--dry-run', '--ia-days', '45', '--skip-secrets'],
      { cwd: ROOT },
    );
    expect(stdout).toContain(
      'wrangler r2 bucket lifecycle add vellum-documents vellum-infrequent-access tenants/ --ia-transition-days 45 --force',
    );
    expect(stdout).not.toContain('secret put');
  }, 180_000);
});

describe('planSetup', () => {
  it('creates only what is missing on a re-run', () => {
    const existing = nothingExists();
    existing.buckets.add('vellum-documents');
    existing.queues.add('vellum-ingest');
    existing.queues.add('vellum-ingest-dlq');
    existing.vectorIndexes.add('vellum-chunks');
    existing.metadataIndexes.set('vellum-chunks', new Set(['documentId']));
    const steps = planSetup(existing, {
      skipSecrets: true,
      vectorIndexes: ['vellum-chunks', 'vellum-chunks-1'],
    }).map((s) => s.args.join(' '));
    expect(steps).toEqual([
      'queues create vellum-events',
      'queues create vellum-events-dlq',
      'vectorize create-metadata-index vellum-chunks --propertyName mimeType --type string',
      'vectorize create-metadata-index vellum-chunks --propertyName version --type number',
      // An index made before user tokens lacks `access`: a re-run adds it (docs/access.md).
      'vectorize create-metadata-index vellum-chunks --propertyName access --type string',
      'vectorize create vellum-chunks-1 --dimensions 768 --metric cosine',
      'vectorize create-metadata-index vellum-chunks-1 --propertyName documentId --type string',
      'vectorize create-metadata-index vellum-chunks-1 --propertyName mimeType --type string',
      'vectorize create-metadata-index vellum-chunks-1 --propertyName version --type number',
      'vectorize create-metadata-index vellum-chunks-1 --propertyName access --type string',
    ]);
  });
});
