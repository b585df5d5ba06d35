// The binding-drift core of `npm run deploy:check`, over the real production configs and over
// copies with a deliberate drift (a binding removed, a shard missing, a misspelled name, shard
// counts that disagree). The full check (with the bundles) runs in .ci/run.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bindingDrift,
  bindingReads,
  declaredBindings,
  envContract,
  sameType,
  shardAgreement,
  type Members,
} from '../../scripts/lib/binding-drift';
import { productionConfig } from '../../scripts/lib/wrangler-config';

const ROOT = resolve(__dirname, '../..');
const contract = envContract(ROOT);
const scratch = mkdtempSync(join(tmpdir(), 'vellum-drift-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** What the built bundles read today (deploy:check prints these lines). */
const API_READS = new Set([
  'AI',
  'AUTH_FAILURE_LIMITER',
  'CIRCUIT_BREAKERS',
  'CONVERSATIONS',
  'DOCUMENTS',
  'EVENTS_QUEUE',
  'INGEST_QUEUE',
  'METRICS',
  'RATE_LIMITER',
  'VECTORS',
]);
const INGEST_READS = new Set(['AI', 'DOCUMENTS', 'INGEST_QUEUE', 'VECTORS']);

/** A copy of a real config with `edit` applied, in a scratch directory. */
function drifted(config: string, edit: (text: string) => string): string {
  const original = readFileSync(resolve(ROOT, config), 'utf8');
  const changed = edit(original);
  if (changed === original) throw new Error(`the edit of ${config} changed nothing`);
  const path = join(scratch, `${crypto.randomUUID()}.toml`);
  writeFileSync(path, changed);
  return path;
}

const CONFIGS = {
  api: 'wrangler.toml',
  ingest: 'workers/ingest/wrangler.toml',
  noAi: drifted('wrangler.toml', (t) => t.replace(/^ai = \{ binding = "AI" \}\n/m, '')),
  misspelled: drifted('wrangler.toml', (t) =>
    t.replace('{ binding = "METRICS", dataset', '{ binding = "METRIC", dataset'),
  ),
  missingShard: drifted('workers/ingest/wrangler.toml', (t) =>
    t.replace(/^ {2}\{ binding = "VECTORS_63".*\n/m, ''),
  ),
  fewerShards: drifted('workers/ingest/wrangler.toml', (t) =>
    t.replace('VECTOR_SHARDS = "64"', 'VECTOR_SHARDS = "63"'),
  ),
};
const declared = new Map<keyof typeof CONFIGS, Members>();

// Each `wrangler types` run takes seconds; all of them run at once, before the cases.
beforeAll(async () => {
  await Promise.all(
    Object.entries(CONFIGS).map(async ([name, config]) =>
      declared.set(name as keyof typeof CONFIGS, await declaredBindings(ROOT, config)),
    ),
  );
}, 240_000);

const driftOf = (config: keyof typeof CONFIGS, reads: Set<string>) =>
  bindingDrift(contract, { worker: 'api', declared: declared.get(config)!, reads });

describe('the Env contract', () => {
  it('lists own and inherited members of src/env.ts Env with their types', () => {
    expect(contract.get('VECTORS')).toBe('VectorizeIndex');
    expect(contract.get('DOCUMENTS')).toBe('R2Bucket');
    expect(contract.get('CONVERSATIONS')).toBe('DurableObjectNamespace<Conversation>');
    expect(contract.get('VECTOR_SHARDS')).toBe('string'); // from VectorShardBindings
    expect(contract.get('ANTHROPIC_API_KEY')).toBe('string'); // from LlmEnv
  });

  it('finds the bindings a bundle dereferences, not vars or lookalikes', () => {
    const bundle = 'function f(e){return e.DOCUMENTS.get(k),{AI:a}=e,e.METRICS_SINK,e.ENVIRONMENT}';
    expect([...bindingReads(bundle, contract)].sort()).toEqual(['AI', 'DOCUMENTS']);
  });

  it('compares types as far as wrangler types spells them', () => {
    expect(sameType('Ai', 'Ai<AiModels>')).toBe(true);
    expect(sameType('Queue', 'Queue<IngestQueueMessage>')).toBe(true);
    expect(
      sameType(
        'DurableObjectNamespace<import("../workers/api/index").RateLimiter>',
        'DurableObjectNamespace<RateLimiter>',
      ),
    ).toBe(true);
    expect(
      sameType('DurableObjectNamespace<Conversation>', 'DurableObjectNamespace<RateLimiter>'),
    ).toBe(false);
    expect(sameType('R2Bucket', 'VectorizeIndex')).toBe(false);
    // A class bound from another Worker by script_name (the ingest Worker's CONVERSATIONS).
    expect(
      sameType(
        'DurableObjectNamespace /* Conversation from vellum-api */',
        'DurableObjectNamespace<Conversation>',
      ),
    ).toBe(true);
    expect(
      sameType(
        'DurableObjectNamespace /* Conversation from vellum-api */',
        'DurableObjectNamespace<RateLimiter>',
      ),
    ).toBe(false);
  });
});

describe('binding drift against [env.production]', () => {
  it('finds none in the real configs', () => {
    expect(driftOf('api', API_READS)).toEqual([]);
    expect(driftOf('ingest', INGEST_READS)).toEqual([]);
  });

  it('catches a binding the code reads that production does not declare', () => {
    expect(driftOf('noAi', API_READS)).toEqual([
      'api: the code reads AI (Ai<AiModels>) but [env.production] does not declare it',
    ]);
  });

  it('catches a misspelled binding from both sides', () => {
    expect(driftOf('misspelled', API_READS)).toEqual([
      'api: the code reads METRICS (AnalyticsEngineDataset) but [env.production] does not declare it',
      'api: [env.production] declares binding METRIC but src/env.ts Env has no member of that name',
    ]);
  });

  it('catches a missing shard binding and one beyond VECTOR_SHARDS', () => {
    expect(driftOf('missingShard', INGEST_READS)).toEqual([
      'api: VECTOR_SHARDS is 64 but VECTORS_63 is not declared',
    ]);
    expect(driftOf('fewerShards', INGEST_READS)).toEqual([
      'api: VECTORS_63 is declared but VECTOR_SHARDS is 63',
    ]);
  });
});

describe('shard agreement between the Workers', () => {
  const layout = (worker: string, config: string) => {
    const read = productionConfig(config);
    return {
      worker,
      shards: read.vars.VECTOR_SHARDS as string | undefined,
      indexes: Object.fromEntries(read.vectorize.map((v) => [v.binding, v.index_name])),
    };
  };

  it('holds for the real configs: 64 shards, the same index behind each binding', () => {
    const api = layout('api', 'wrangler.toml');
    expect(api.shards).toBe('64');
    expect(Object.keys(api.indexes)).toHaveLength(64);
    expect(shardAgreement([api, layout('ingest', 'workers/ingest/wrangler.toml')])).toEqual([]);
  });

  it('catches a shard count or an index that differs', () => {
    const ingest = drifted('workers/ingest/wrangler.toml', (t) =>
      t
        .replace('VECTOR_SHARDS = "64"', 'VECTOR_SHARDS = "32"')
        .replace('index_name = "vellum-chunks-7" }', 'index_name = "vellum-chunks-07" }'),
    );
    expect(shardAgreement([layout('api', 'wrangler.toml'), layout('ingest', ingest)])).toEqual([
      'VECTOR_SHARDS differs: api has 64, ingest has 32',
      'VECTORS_7 binds vellum-chunks-7 in api but vellum-chunks-07 in ingest',
    ]);
  });
});
