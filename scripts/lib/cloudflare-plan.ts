// The Cloudflare resources Vellum needs, as wrangler commands. Pure: scripts/setup-cloudflare.ts
// runs them, its --dry-run prints them, and test/node checks them.

export const BUCKET = 'vellum-documents';
export const QUEUES = [
  'vellum-ingest',
  'vellum-ingest-dlq',
  'vellum-events',
  'vellum-events-dlq',
] as const;
/** Every shard index has this shape; the names come from the Workers' Vectorize bindings. */
export const VECTOR_INDEX = { name: 'vellum-chunks', dimensions: 768, metric: 'cosine' } as const;
/**
 * Vectorize only filters on properties indexed BEFORE vectors are inserted. One entry for each
 * property the store filters on (VECTORIZE_METADATA_INDEXES in src/retrieval/vectors/vectorize.ts;
 * test/node/setup-cloudflare.test.ts fails if the two lists drift). `access` carries a vector's
 * reach for user tokens (docs/access.md): without its index, users' semantic search finds nothing.
 */
export const METADATA_INDEXES = [
  { propertyName: 'documentId', type: 'string' },
  { propertyName: 'mimeType', type: 'string' },
  { propertyName: 'version', type: 'number' },
  { propertyName: 'access', type: 'string' },
] as const;
export const WORKER_CONFIGS = ['wrangler.toml', 'workers/ingest/wrangler.toml'] as const;
export const SECRETS = [
  { name: 'DATABASE_URL', required: true },
  { name: 'SIGNING_KEYS', required: true },
  { name: 'ANTHROPIC_API_KEY', required: false },
] as const;

export interface ExistingResources {
  buckets: Set<string>;
  queues: Set<string>;
  vectorIndexes: Set<string>;
  /** Metadata index property names, per Vectorize index. */
  metadataIndexes: Map<string, Set<string>>;
}

export interface Step {
  /** Human description. */
  title: string;
  /** wrangler arguments. */
  args: string[];
  /** Secret steps read this environment variable (or prompt) and pipe it to stdin. */
  secret?: { name: string; required: boolean };
}

export interface PlanOptions {
  /** Adds an R2 lifecycle rule moving objects under tenants/ to Infrequent Access after N days. */
  infrequentAccessDays?: number;
  /** Skip `wrangler secret put` steps. */
  skipSecrets?: boolean;
  /**
   * The Vectorize indexes to create: one per shard, as the production wrangler configs bind
   * them (scripts/lib/wrangler-config.ts). Default: the single `vellum-chunks`.
   */
  vectorIndexes?: readonly string[];
}

export const nothingExists = (): ExistingResources => ({
  buckets: new Set(),
  queues: new Set(),
  vectorIndexes: new Set(),
  metadataIndexes: new Map(),
});

/** Creates only what is missing, in dependency order (metadata indexes right after the index). */
export function planSetup(existing: ExistingResources, options: PlanOptions = {}): Step[] {
  const steps: Step[] = [];
  if (!existing.buckets.has(BUCKET)) {
    steps.push({ title: `R2 bucket ${BUCKET}`, args: ['r2', 'bucket', 'create', BUCKET] });
  }
  if (options.infrequentAccessDays) {
    steps.push({
      title: `R2 lifecycle: Infrequent Access after ${options.infrequentAccessDays} days`,
      args: [
        'r2',
        'bucket',
        'lifecycle',
        'add',
        BUCKET,
        'vellum-infrequent-access',
        'tenants/',
        '--ia-transition-days',
        String(options.infrequentAccessDays),
        '--force',
      ],
    });
  }
  for (const queue of QUEUES) {
    if (!existing.queues.has(queue))
      steps.push({ title: `queue ${queue}`, args: ['queues', 'create', queue] });
  }
  for (const name of options.vectorIndexes ?? [VECTOR_INDEX.name]) {
    if (!existing.vectorIndexes.has(name)) {
      steps.push({
        title: `Vectorize index ${name}`,
        args: [
          'vectorize',
          'create',
          name,
          '--dimensions',
          String(VECTOR_INDEX.dimensions),
          '--metric',
          VECTOR_INDEX.metric,
        ],
      });
    }
    for (const index of METADATA_INDEXES) {
      if (existing.metadataIndexes.get(name)?.has(index.propertyName)) continue;
      steps.push({
        title: `Vectorize metadata index ${index.propertyName} (${index.type}) on ${name}`,
        args: [
          'vectorize',
          'create-metadata-index',
          name,
          '--propertyName',
          index.propertyName,
          '--type',
          index.type,
        ],
      });
    }
  }
  if (!options.skipSecrets) {
    for (const config of WORKER_CONFIGS) {
      for (const secret of SECRETS) {
        steps.push({
          title: `secret ${secret.name} for ${config}`,
          args: ['secret', 'put', secret.name, '--config', config, '--env', 'production'],
          secret,
        });
      }
    }
  }
  return steps;
}

/** Errors that mean "it is already there", which a re-run must tolerate. */
export const ALREADY_EXISTS =
  /already exists|already taken|already own|duplicate|\[code: (10004|11009|3001)\]/i;
