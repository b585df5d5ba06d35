// The core of `npm run deploy:check`'s binding check: does each Worker's [env.production]
// declare every binding its code reads, under the same name and type, and nothing the code
// does not know? Three sources meet here:
//   - the contract: the `Env` interface in src/env.ts (both Workers share it), read with the
//     TypeScript compiler so inherited members (LlmEnv, VectorShardBindings) count;
//   - what is declared: `wrangler types --env production` over the Worker's config;
//   - what is read: binding names the built bundle dereferences (`env.X`, `{ X }`).
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import ts from 'typescript';
import { shardBinding, vectorShardCount } from '../../src/retrieval/vectors/shard';

const run = promisify(execFile);

/** Binding or var name → its type as written (`R2Bucket`, `Queue<…>`, `"live"`, `string`). */
export type Members = Map<string, string>;

/** The assets binding is answered by the platform before the Worker runs; the code never reads it. */
const PLATFORM_BINDINGS = new Set(['ASSETS']);
const SHARD = /^VECTORS_(\d+)$/;

/** `Env` of src/env.ts, with inherited members; index signatures (`VECTORS_${number}`) are separate. */
export function envContract(root: string): Members {
  const file = resolve(root, 'src/env.ts');
  const program = ts.createProgram([file], {
    strict: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ES2022,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    types: ['@cloudflare/workers-types'],
    typeRoots: [resolve(root, 'node_modules/@types'), resolve(root, 'node_modules')],
    skipLibCheck: true,
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(file);
  const env = source?.statements.find(
    (s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === 'Env',
  );
  if (!env) throw new Error('src/env.ts declares no interface Env');
  const type = checker.getTypeAtLocation(env.name);
  const members: Members = new Map();
  for (const symbol of type.getProperties()) {
    const declared = checker.getNonNullableType(checker.getTypeOfSymbol(symbol));
    members.set(
      symbol.name,
      checker.typeToString(declared, undefined, ts.TypeFormatFlags.NoTruncation),
    );
  }
  return members;
}

/** Members of `interface Env` in a file written by `wrangler types`. */
export function parseWranglerTypes(dts: string): Members {
  const body = /interface Env \{\n([\s\S]*?)\n\s*\}/.exec(dts)?.[1];
  if (body === undefined) throw new Error('wrangler types wrote no `interface Env`');
  const members: Members = new Map();
  for (const line of body.split('\n')) {
    const m = /^\s*(\w+)\??:\s*(.+);\s*$/.exec(line);
    if (m) members.set(m[1]!, m[2]!);
  }
  return members;
}

/** Runs `wrangler types --env production` over one config and returns what it declares. */
export async function declaredBindings(root: string, config: string): Promise<Members> {
  const dir = await mkdtemp(join(tmpdir(), 'vellum-types-'));
  try {
    const out = join(dir, 'env.d.ts');
    await run(
      resolve(root, 'node_modules/.bin/wrangler'),
      ['types', '--include-runtime=false', '--env', 'production', '-c', config, out],
      { cwd: root, env: { ...process.env, WRANGLER_SEND_METRICS: 'false' } },
    );
    return parseWranglerTypes(await readFile(out, 'utf8'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A var is declared with a string literal type; anything else is a binding. */
const isVar = (type: string) => type === 'string' || /^"[^"]*"$/.test(type);

/**
 * A type compared across the two sources: import paths dropped, and type arguments compared
 * only where wrangler types writes them (Durable Object classes); `Queue` and `Ai` come out bare
 * there, since wrangler cannot know the message type or the model map the code declares.
 */
export function sameType(declared: string, expected: string): boolean {
  // Without the entry module at hand (a config outside the repo) wrangler writes the class as
  // a comment: `DurableObjectNamespace /* RateLimiter */`, and a class bound from another
  // Worker by script_name as `DurableObjectNamespace /* Conversation from vellum-api */`.
  const bare = (type: string) =>
    type
      .replace(/import\("[^"]*"\)\./g, '')
      .replace(/\s*\/\*\s*(\w+)(?:\s+from\s+[\w-]+)?\s*\*\/\s*$/, '<$1>');
  const base = (type: string) => type.replace(/<.*$/s, '');
  const [d, e] = [bare(declared), bare(expected)];
  return d.includes('<') ? d === e : d === base(e);
}

/** Binding names of the contract that a bundle dereferences (`.NAME`, `{NAME`, `,NAME`). */
export function bindingReads(bundle: string, contract: Members): Set<string> {
  const reads = new Set<string>();
  for (const [name, type] of contract) {
    if (isVar(type)) continue;
    if (new RegExp(`[.{,]\\s*${name}\\b`).test(bundle)) reads.add(name);
  }
  return reads;
}

export interface WorkerBindings {
  /** e.g. `api (wrangler.toml)`, used in messages. */
  worker: string;
  declared: Members;
  reads: Set<string>;
}

/** Every drift between one Worker's code and its production declarations, as messages. */
export function bindingDrift(
  contract: Members,
  { worker, declared, reads }: WorkerBindings,
): string[] {
  const problems: string[] = [];
  const contractType = (name: string) =>
    contract.get(name) ?? (SHARD.test(name) ? contract.get('VECTORS') : undefined);

  for (const name of [...reads].sort()) {
    if (!declared.has(name)) {
      problems.push(
        `${worker}: the code reads ${name} (${contract.get(name)}) but [env.production] does not declare it`,
      );
    }
  }
  for (const [name, type] of declared) {
    if (PLATFORM_BINDINGS.has(name)) continue;
    const expected = contractType(name);
    if (expected === undefined) {
      problems.push(
        `${worker}: [env.production] declares ${isVar(type) ? 'var' : 'binding'} ${name} but src/env.ts Env has no member of that name`,
      );
    } else if (isVar(type) !== isVar(expected) || (!isVar(type) && !sameType(type, expected))) {
      problems.push(`${worker}: ${name} is declared as ${type} but Env reads it as ${expected}`);
    }
  }

  // Shard bindings are read by computed name (env[`VECTORS_${i}`]), so the bundle cannot show
  // them: a Worker that reads VECTORS must declare exactly VECTOR_SHARDS of them.
  if (reads.has('VECTORS') || declared.has('VECTORS')) {
    const raw = declared.get('VECTOR_SHARDS');
    let count: number | undefined;
    try {
      count = vectorShardCount(raw === undefined ? undefined : raw.replace(/^"|"$/g, ''));
    } catch (error) {
      problems.push(`${worker}: VECTOR_SHARDS ${raw}: ${(error as Error).message}`);
    }
    if (count !== undefined) {
      for (let shard = 0; shard < count; shard++) {
        if (!declared.has(shardBinding(shard))) {
          problems.push(
            `${worker}: VECTOR_SHARDS is ${count} but ${shardBinding(shard)} is not declared`,
          );
        }
      }
      for (const name of declared.keys()) {
        const shard = SHARD.exec(name);
        if (shard && Number(shard[1]) >= count) {
          problems.push(`${worker}: ${name} is declared but VECTOR_SHARDS is ${count}`);
        }
      }
    }
  }
  return problems;
}

export interface ShardLayout {
  worker: string;
  shards: string | undefined;
  /** binding → index name, from wrangler's reading of the config. */
  indexes: Record<string, string>;
}

/** Both Workers must see the same tenant → index map: same shard count, same index per binding. */
export function shardAgreement(layouts: ShardLayout[]): string[] {
  const [first, ...rest] = layouts;
  if (!first) return [];
  const problems: string[] = [];
  for (const other of rest) {
    if ((first.shards ?? '1') !== (other.shards ?? '1')) {
      problems.push(
        `VECTOR_SHARDS differs: ${first.worker} has ${first.shards ?? '1'}, ${other.worker} has ${other.shards ?? '1'}`,
      );
    }
    for (const binding of new Set([...Object.keys(first.indexes), ...Object.keys(other.indexes)])) {
      if (first.indexes[binding] !== other.indexes[binding]) {
        problems.push(
          `${binding} binds ${first.indexes[binding] ?? 'nothing'} in ${first.worker} but ${other.indexes[binding] ?? 'nothing'} in ${other.worker}`,
        );
      }
    }
  }
  return problems;
}
