// npm run bench [-- name ... --flags] — prints figures; never asserts. Names: chunker, search,
// keyword, ingest-memory, hostile, auth-overhead, tokens, events (and any added below). With no names, runs them all in turn.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT } from '../lib/local-stack';

const sharedDir = process.env.VELLUM_SHARED ?? resolve(ROOT, '../shared');
const { values: flags, positionals } = parseArgs({
  options: {
    chunks: { type: 'string' },
    budgets: { type: 'string' },
    duration: { type: 'string' },
    hnsw: { type: 'string' },
    rounds: { type: 'string' },
    connections: { type: 'string' },
    json: { type: 'boolean' },
  },
  allowPositionals: true,
  strict: false,
});
const flag = (name: string) => {
  const value = flags[name];
  return typeof value === 'string' ? value : undefined;
};

/** `--chunks 10000,100_000` as sizes, if given. */
const sizesFlag = () => {
  const chunks = flag('chunks');
  return chunks ? { sizes: chunks.split(',').map((n) => Number(n.replace(/_/g, ''))) } : {};
};

const benches: Record<string, () => Promise<void>> = {
  chunker: async () => {
    const { benchChunker } = await import('./chunker');
    await benchChunker({});
  },
  search: async () => {
    const { benchSearch } = await import('./search');
    const duration = flag('duration');
    await benchSearch({
      sharedDir,
      ...sizesFlag(),
      ...(duration && { duration: Number(duration) }),
      ...(flag('hnsw') && { hnsw: flag('hnsw') as 'auto' | 'keep' | 'rebuild' }),
      json: flags.json === true,
    });
  },
  keyword: async () => {
    const { benchKeyword } = await import('./keyword');
    const budgets = flag('budgets');
    await benchKeyword({
      sharedDir,
      ...sizesFlag(),
      ...(budgets && { budgets: budgets.split(',').map((b) => Number(b.replace(/_/g, ''))) }),
    });
  },
  events: async () => {
    const { benchEvents } = await import('./events');
    const [duration, rounds, connections] = ['duration', 'rounds', 'connections'].map(flag);
    await benchEvents({
      ...(duration && { duration: Number(duration) }),
      ...(rounds && { rounds: Number(rounds) }),
      ...(connections && { connections: Number(connections) }),
    });
  },
  'vector-leg': async () => {
    const { benchVectorLeg } = await import('./vector-leg');
    const chunks = flag('chunks');
    await benchVectorLeg({ sharedDir, ...(chunks && { chunks: Number(chunks) }) });
  },
  'ingest-memory': async () => {
    const { benchIngestMemory } = await import('./ingest-memory');
    await benchIngestMemory({
      sharedDir,
      megabytes: Number(process.env.VELLUM_BENCH_MB ?? 100),
      pdfPages: Number(process.env.VELLUM_BENCH_PDF_PAGES ?? 300),
    });
  },
  hostile: async () => {
    const { benchHostile } = await import('./hostile');
    benchHostile();
  },
  tokens: async () => {
    const { benchTokens } = await import('./tokens');
    await benchTokens({ requests: Number(process.env.VELLUM_BENCH_REQUESTS ?? 300) });
  },
  'auth-overhead': async () => {
    const { benchAuthOverhead } = await import('./auth-overhead');
    benchAuthOverhead(process.env.BENCH_ROUNDS ?? '200');
  },
};

const wanted = positionals;
for (const name of wanted.length ? wanted : Object.keys(benches)) {
  const bench = benches[name];
  if (!bench) {
    console.error(`unknown benchmark '${name}'; known: ${Object.keys(benches).join(', ')}`);
    process.exitCode = 2;
    continue;
  }
  console.log(`\n=== ${name}`);
  try {
    await bench();
  } catch (error) {
    console.error(`${name} failed: ${(error as Error).stack ?? error}`);
    process.exitCode = 1;
  }
}
