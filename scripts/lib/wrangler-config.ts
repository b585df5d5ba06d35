// The Workers' production configuration as wrangler itself reads it ([env.production] of each
// wrangler.toml, with wrangler's own inheritance rules), for the scripts that must agree with
// what `npm run deploy` uploads: setup:cloudflare (which indexes to create) and deploy:check.
import { resolve } from 'node:path';
import { unstable_readConfig } from 'wrangler';
import { ROOT } from './local-stack';

export const WORKERS = [
  { name: 'api', config: 'wrangler.toml' },
  { name: 'ingest', config: 'workers/ingest/wrangler.toml' },
] as const;

/**
 * The part of wrangler's normalised config these scripts read. Declared here because wrangler's
 * own `Config` type comes from a package it bundles without installing, so it arrives as `any`.
 */
export interface WorkerConfig {
  vars: Record<string, unknown>;
  vectorize: { binding: string; index_name: string }[];
}

/** One Worker's production environment; `config` is relative to the repository root. */
export function productionConfig(config: string, root = ROOT): WorkerConfig {
  const read: WorkerConfig = unstable_readConfig(
    { config: resolve(root, config), env: 'production' },
    { hideWarnings: true },
  );
  return read;
}

/** The Vectorize indexes the Workers bind in production, in binding order, each once. */
export function productionVectorIndexes(root = ROOT): string[] {
  const names = WORKERS.flatMap(({ config }) =>
    productionConfig(config, root).vectorize.map((v) => v.index_name),
  );
  return [...new Set(names)];
}
