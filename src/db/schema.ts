import { sql, type SQL } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  date,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  real,
  smallint,
  text,
  timestamp,
  unique,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { EMBEDDING_DIMENSIONS, tsvector, vector } from './columns';

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
const updatedAt = () => timestamp('updated_at', { withTimezone: true }).notNull().defaultNow();
const tenantId = () =>
  uuid('tenant_id')
    .notNull()
    .references(() => tenants.id, { onDelete: 'cascade' });

export const tenants = pgTable('tenants', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull().unique(),
  /** Per-tenant overrides: rate limits, budgets, enrichment. */
  settings: jsonb('settings').$type<Record<string, unknown>>().notNull().default({}),
  /** Bumped on every document change; part of search/answer cache keys. */
  corpusVersion: bigint('corpus_version', { mode: 'number' }).notNull().default(0),
  /** 'active', or 'deleting' while an operator's DELETE /v1/tenants/:id runs (issue #16). */
  status: text('status').notNull().default('active'),
  createdAt: createdAt(),
});

export const apiKeys = pgTable(
  'api_keys',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: tenantId(),
    name: text('name').notNull(),
    role: text('role').notNull(),
    /** Display prefix such as `vk_dev_AbCd`; never enough to use the key. */
    prefix: text('prefix').notNull(),
    /** Hex SHA-256 of the full key. */
    keyHash: text('key_hash').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
    createdBy: uuid('created_by'),
    /**
     * HMAC-SHA-256(key, fixed label): verifies the user tokens this key signs (src/auth/user-token.ts).
     * Null for keys created before migration 0008; they must be rotated to sign tokens.
     */
    tokenSecret: text('token_secret'),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('api_keys_hash_idx').on(t.keyHash),
    index('api_keys_tenant_idx').on(t.tenantId),
  ],
);

export const documents = pgTable(
  'documents',
  {
    id: uuid('id').primaryKey(),
    tenantId: tenantId(),
    title: text('title').notNull(),
    mimeType: text('mime_type').notNull(),
    byteSize: bigint('byte_size', { mode: 'number' }).notNull(),
    sha256: text('sha256').notNull(),
    /** Latest uploaded version. */
    currentVersion: integer('current_version').notNull().default(1),
    /** Version that search serves; null until the first version is ready. */
    readyVersion: integer('ready_version'),
    status: text('status').notNull().default('queued'),
    failureReason: text('failure_reason'),
    stage: text('stage'),
    chunksDone: integer('chunks_done').notNull().default(0),
    chunksTotal: integer('chunks_total'),
    tags: text('tags')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    metadata: jsonb('metadata').$type<Record<string, unknown>>().notNull().default({}),
    summary: text('summary'),
    suggestedTags: text('suggested_tags').array(),
    /** The end user whose token uploaded it (issue #16); null for an API key's upload. */
    ownerUserId: text('owner_user_id'),
    createdByKeyId: uuid('created_by_key_id'),
    /** `private` (owner and collections) or `tenant` (everyone in the tenant); docs/access.md. */
    visibility: text('visibility').$type<'private' | 'tenant'>().notNull().default('tenant'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    // NULLS NOT DISTINCT in migrations/0009: content dedup is per owner, keys share the null owner.
    uniqueIndex('documents_tenant_owner_sha_idx').on(t.tenantId, t.ownerUserId, t.sha256),
    index('documents_tenant_created_idx').on(t.tenantId, t.createdAt, t.id),
    index('documents_tenant_updated_idx').on(t.tenantId, t.updatedAt, t.id),
    index('documents_tenant_title_idx').on(t.tenantId, t.title, t.id),
    index('documents_tags_idx').using('gin', t.tags),
    index('documents_metadata_idx').using('gin', t.metadata),
    // Unfinished deletions for the daily cron (migrations/0013).
    index('documents_deleting_idx')
      .on(t.updatedAt)
      .where(sql`${t.status} = 'deleting'`),
  ],
);

export const documentVersions = pgTable(
  'document_versions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: tenantId(),
    documentId: uuid('document_id')
      .notNull()
      .references(() => documents.id, { onDelete: 'cascade' }),
    version: integer('version').notNull(),
    r2Key: text('r2_key').notNull(),
    sha256: text('sha256').notNull(),
    byteSize: bigint('byte_size', { mode: 'number' }).notNull(),
    mimeType: text('mime_type').notNull(),
    filename: text('filename'),
    status: text('status').notNull().default('queued'),
    failureReason: text('failure_reason'),
    chunkCount: integer('chunk_count'),
    chunksReused: integer('chunks_reused'),
    chunksEmbedded: integer('chunks_embedded'),
    /** Number of slice messages a huge document was split into (1 when not split). */
    sliceCount: integer('slice_count'),
    attempts: integer('attempts').notNull().default(0),
    /** Set while a whole-file attempt runs; still set on redelivery = that invocation crashed. */
    attemptStartedAt: timestamp('attempt_started_at', { withTimezone: true }),
    /** Whole-file attempts that died with their invocation (CPU or memory limit). */
    crashes: integer('crashes').notNull().default(0),
    createdAt: createdAt(),
    readyAt: timestamp('ready_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('document_versions_doc_version_idx').on(t.documentId, t.version)],
);

export const chunks = pgTable(
  'chunks',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: tenantId(),
    documentId: uuid('document_id')
      .notNull()
      .references(() => documents.id, { onDelete: 'cascade' }),
    version: integer('version').notNull(),
    ordinal: integer('ordinal').notNull(),
    text: text('text').notNull(),
    tokenCount: integer('token_count').notNull(),
    contentHash: text('content_hash').notNull(),
    headingPath: text('heading_path')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    /** heading_path joined with " / ", kept as text so the tsvector can index it. */
    headingText: text('heading_text').notNull().default(''),
    charStart: integer('char_start').notNull(),
    charEnd: integer('char_end').notNull(),
    page: integer('page'),
    /** English stems plus `simple` tokens, so identifiers and codes match verbatim. */
    tsv: tsvector('tsv').generatedAlwaysAs(
      sql`setweight(to_tsvector('english'::regconfig, heading_text), 'A') || to_tsvector('english'::regconfig, text) || to_tsvector('simple'::regconfig, text)`,
    ),
    /** Used by the pgvector VectorStore adapter; null when vectors live in Vectorize. */
    embedding: vector('embedding', { dimensions: EMBEDDING_DIMENSIONS }),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('chunks_doc_version_ordinal_idx').on(t.documentId, t.version, t.ordinal),
    // btree_gin: one GIN index answers `tenant_id = $1 and tsv @@ q` (migrations/0003), and
    // tenant-wide reads too. No btree leads with tenant_id: the planner preferred one to the GIN
    // for keyword candidates and read the whole tenant (migrations/0015).
    index('chunks_tenant_tsv_idx').using('gin', t.tenantId, t.tsv),
    index('chunks_embedding_idx').using('hnsw', t.embedding.op('vector_cosine_ops')),
  ],
);

/** (tenant, model, chunk hash) -> embedding, so identical text is never embedded twice. */
export const embeddingCache = pgTable(
  'embedding_cache',
  {
    tenantId: tenantId(),
    model: text('model').notNull(),
    contentHash: text('content_hash').notNull(),
    embedding: vector('embedding', { dimensions: EMBEDDING_DIMENSIONS }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.model, t.contentHash] })],
);

export const ingestionEvents = pgTable(
  'ingestion_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    tenantId: tenantId(),
    documentId: uuid('document_id')
      .notNull()
      .references(() => documents.id, { onDelete: 'cascade' }),
    version: integer('version').notNull(),
    stage: text('stage').notNull(),
    status: text('status').notNull(),
    detail: jsonb('detail').$type<Record<string, unknown>>(),
    createdAt: createdAt(),
  },
  (t) => [index('ingestion_events_doc_idx').on(t.documentId, t.id)],
);

export const auditLog = pgTable(
  'audit_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    tenantId: tenantId(),
    keyId: uuid('key_id'),
    /** The end user of a user token; null for an API key. */
    userId: text('user_id'),
    action: text('action').notNull(),
    targetType: text('target_type').notNull(),
    targetId: text('target_id'),
    requestId: text('request_id'),
    before: jsonb('before'),
    after: jsonb('after'),
    createdAt: createdAt(),
  },
  (t) => [index('audit_log_tenant_idx').on(t.tenantId, t.id)],
);

export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    tenantId: tenantId(),
    key: text('key').notNull(),
    route: text('route').notNull(),
    fingerprint: text('fingerprint'),
    status: integer('status'),
    response: jsonb('response'),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.key] })],
);

export const conversations = pgTable(
  'conversations',
  {
    id: uuid('id').primaryKey(),
    tenantId: tenantId(),
    title: text('title'),
    scope: jsonb('scope').$type<Record<string, unknown>>().notNull().default({}),
    messageCount: integer('message_count').notNull().default(0),
    /** The end user who started it (issue #16); null when an API key did. */
    ownerUserId: text('owner_user_id'),
    createdByKeyId: uuid('created_by_key_id'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('conversations_tenant_idx').on(t.tenantId, t.updatedAt, t.id)],
);

/** Named sets of documents shared with their members (user ids); docs/access.md. */
export const collections = pgTable(
  'collections',
  {
    id: uuid('id').primaryKey(),
    tenantId: tenantId(),
    name: text('name').notNull(),
    ownerUserId: text('owner_user_id'),
    createdByKeyId: uuid('created_by_key_id'),
    createdAt: createdAt(),
  },
  (t) => [index('collections_tenant_idx').on(t.tenantId, t.createdAt, t.id)],
);

export const collectionDocuments = pgTable(
  'collection_documents',
  {
    collectionId: uuid('collection_id')
      .notNull()
      .references(() => collections.id, { onDelete: 'cascade' }),
    documentId: uuid('document_id')
      .notNull()
      .references(() => documents.id, { onDelete: 'cascade' }),
    tenantId: tenantId(),
    addedAt: timestamp('added_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.collectionId, t.documentId] })],
);

export const collectionMembers = pgTable(
  'collection_members',
  {
    collectionId: uuid('collection_id')
      .notNull()
      .references(() => collections.id, { onDelete: 'cascade' }),
    userId: text('user_id').notNull(),
    tenantId: tenantId(),
    addedAt: timestamp('added_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.collectionId, t.userId] })],
);

export const answerCache = pgTable(
  'answer_cache',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: tenantId(),
    scopeHash: text('scope_hash').notNull(),
    question: text('question').notNull(),
    embedding: vector('embedding', { dimensions: EMBEDDING_DIMENSIONS }).notNull(),
    answer: jsonb('answer').notNull(),
    documentIds: uuid('document_ids').array().notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('answer_cache_tenant_idx').on(t.tenantId, t.scopeHash)],
);

export const usageDaily = pgTable(
  'usage_daily',
  {
    tenantId: tenantId(),
    day: date('day').notNull(),
    searches: integer('searches').notNull().default(0),
    answers: integer('answers').notNull().default(0),
    tokensIn: bigint('tokens_in', { mode: 'number' }).notNull().default(0),
    tokensOut: bigint('tokens_out', { mode: 'number' }).notNull().default(0),
    costUsd: real('cost_usd').notNull().default(0),
    uploads: integer('uploads').notNull().default(0),
    /** USD held for model calls in flight (migrations/0012_budget_ledger.sql). */
    reservedUsd: doublePrecision('reserved_usd').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.day] })],
);

export const keyActivityDaily = pgTable(
  'key_activity_daily',
  {
    tenantId: tenantId(),
    day: date('day').notNull(),
    keyId: uuid('key_id').notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.day, t.keyId] })],
);

export const productEvents = pgTable(
  'product_events',
  {
    tenantId: tenantId(),
    eventId: uuid('event_id').notNull(),
    name: text('name').notNull(),
    userId: text('user_id').notNull(),
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull(),
    properties: jsonb('properties').$type<Record<string, unknown>>().notNull().default({}),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.eventId] })],
);

export const productEventsDaily = pgTable(
  'product_events_daily',
  {
    tenantId: tenantId(),
    day: date('day').notNull(),
    name: text('name').notNull(),
    count: integer('count').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.day, t.name] })],
);

export const productUsersDaily = pgTable(
  'product_users_daily',
  {
    tenantId: tenantId(),
    day: date('day').notNull(),
    userId: text('user_id').notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.day, t.userId] })],
);

/** Slices of a split ingest that have finished; the last one to finish completes the version. */
export const ingestSlices = pgTable(
  'ingest_slices',
  {
    tenantId: tenantId(),
    documentId: uuid('document_id')
      .notNull()
      .references(() => documents.id, { onDelete: 'cascade' }),
    version: integer('version').notNull(),
    sliceIndex: integer('slice_index').notNull(),
    byteStart: bigint('byte_start', { mode: 'number' }).notNull(),
    byteEnd: bigint('byte_end', { mode: 'number' }).notNull(),
    charStart: bigint('char_start', { mode: 'number' }).notNull(),
    chunkCount: integer('chunk_count'),
    chunksReused: integer('chunks_reused'),
    chunksEmbedded: integer('chunks_embedded'),
    doneAt: timestamp('done_at', { withTimezone: true }),
  },
  (t) => [primaryKey({ columns: [t.documentId, t.version, t.sliceIndex] })],
);

/**
 * Local metrics store (production writes to Analytics Engine): one row per
 * (tenant or none, metric, labels, minute) with a log-spaced latency histogram.
 */
export const metricsMinute = pgTable(
  'metrics_minute',
  {
    tenantId: uuid('tenant_id').references(() => tenants.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    labels: text('labels').notNull().default(''),
    minute: timestamp('minute', { withTimezone: true }).notNull(),
    count: bigint('count', { mode: 'number' }).notNull().default(0),
    sum: doublePrecision('sum').notNull().default(0),
    buckets: bigint('buckets', { mode: 'number' }).array(),
  },
  (t) => [
    unique('metrics_minute_series_key')
      .on(t.tenantId, t.name, t.labels, t.minute)
      .nullsNotDistinct(),
    index('metrics_minute_minute_idx').on(t.minute),
  ],
);

/** BM25 statistics of a tenant's served chunks (src/retrieval/bm25-stats.ts). */
export const bm25Corpus = pgTable('bm25_corpus', {
  tenantId: uuid('tenant_id')
    .primaryKey()
    .references(() => tenants.id, { onDelete: 'cascade' }),
  n: bigint('n', { mode: 'number' }).notNull().default(0),
  totalTokens: bigint('total_tokens', { mode: 'number' }).notNull().default(0),
  /**
   * N and the token total that keyword_postings cover (migrations/0016). Equal to n and
   * total_tokens whenever the postings are complete; keyword search checks that before using them.
   */
  postingsN: bigint('postings_n', { mode: 'number' }).notNull().default(0),
  postingsTokens: bigint('postings_tokens', { mode: 'number' }).notNull().default(0),
});

/** Document frequency of each tsvector lexeme over a tenant's served chunks. */
export const bm25Df = pgTable(
  'bm25_df',
  {
    tenantId: tenantId(),
    lexeme: text('lexeme').notNull(),
    df: integer('df').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.lexeme] }),
    index('bm25_df_spent_idx')
      .on(t.tenantId)
      .where(sql`${t.df} <= 0`),
  ],
);

/**
 * A posting's list-order key, exactly as keyword_postings.imp is generated (migrations/0017, and
 * the column below): BM25's tf factor at a 400-token reference length, ×10,000. Deletes and the
 * repair (retrieval/bm25-stats.ts) compute it to find a posting by its full key. `tf` must be a
 * smallint and `dl` an integer expression, as the columns are, so the value is the stored one to
 * the bit.
 */
export const postingImpact = (tf: SQL, dl: SQL) =>
  sql`round(22000.0 * ${tf} / (${tf} + 0.3 + 0.9 * ${dl} / 400.0))::smallint`;

/**
 * Postings of a tenant's served chunks (src/retrieval/keyword.ts): one row per chunk and
 * tsvector lexeme, with the lexeme's tf (position count) and the chunk's token count.
 */
export const keywordPostings = pgTable(
  'keyword_postings',
  {
    tenantId: tenantId(),
    lexeme: text('lexeme').notNull(),
    chunkId: uuid('chunk_id').notNull(),
    tf: smallint('tf').notNull(),
    dl: integer('dl').notNull(),
    /** BM25's tf factor at a 400-token reference length, ×10,000: the list order (migrations/0017). */
    imp: smallint('imp')
      .notNull()
      .generatedAlwaysAs(postingImpact(sql`tf`, sql`dl`)),
  },
  (t) => [
    // INCLUDE (tf, dl) in migrations/0016 and 0017: drizzle's index builder has no INCLUDE.
    uniqueIndex('keyword_postings_impact_idx').on(t.tenantId, t.lexeme, t.imp.desc(), t.chunkId),
    // Kept for the release before 0017 (its upsert and deletes use it); a later migration drops it.
    uniqueIndex('keyword_postings_list_idx').on(t.tenantId, t.lexeme, t.chunkId),
  ],
);

/** Platform operator keys (issue #16): they manage tenants and nothing inside one. */
export const operatorKeys = pgTable(
  'operator_keys',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    prefix: text('prefix').notNull(),
    keyHash: text('key_hash').notNull(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('operator_keys_hash_idx').on(t.keyHash)],
);

/**
 * One row per tenant deletion: progress while it runs, and the record that it happened after the
 * tenant row is gone (no foreign key, on purpose).
 */
export const tenantDeletions = pgTable('tenant_deletions', {
  tenantId: uuid('tenant_id').primaryKey(),
  tenantName: text('tenant_name').notNull(),
  /** 'running', 'done' or 'failed'. */
  status: text('status').notNull().default('running'),
  documentsTotal: integer('documents_total').notNull().default(0),
  documentsDeleted: integer('documents_deleted').notNull().default(0),
  error: text('error'),
  requestedBy: uuid('requested_by'),
  requestedAt: timestamp('requested_at', { withTimezone: true }).notNull().defaultNow(),
  completedAt: timestamp('completed_at', { withTimezone: true }),
});

/** The operator's audit trail (tenant create, update, delete); outlives the tenant on purpose. */
export const operatorAudit = pgTable(
  'operator_audit',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    operatorKeyId: uuid('operator_key_id'),
    action: text('action').notNull(),
    tenantId: uuid('tenant_id').notNull(),
    requestId: text('request_id'),
    detail: jsonb('detail'),
    createdAt: createdAt(),
  },
  (t) => [index('operator_audit_tenant_idx').on(t.tenantId, t.id)],
);
