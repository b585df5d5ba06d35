import { z } from '@hono/zod-openapi';

export const DOCUMENT_STATUSES = ['queued', 'processing', 'ready', 'failed'] as const;

export const ALLOWED_MIME_TYPES = [
  'text/plain',
  'text/markdown',
  'text/html',
  'text/csv',
  'application/json',
  'application/pdf',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
] as const;

export const Tag = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[\p{L}\p{N}_.:\/-]+$/u, 'tags use letters, digits and _ . : / -');
export const Tags = z.array(Tag).max(32);
export const Metadata = z
  .record(
    z.string().min(1).max(64),
    z.union([z.string().max(1024), z.number(), z.boolean(), z.null()]),
  )
  .refine((m) => Object.keys(m).length <= 64, 'at most 64 metadata keys')
  .openapi('Metadata');
export const Title = z.string().trim().min(1).max(512);

export const IdParam = z.object({
  id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }),
});

export const DocumentSchema = z
  .object({
    id: z.uuid(),
    title: z.string(),
    mimeType: z.string(),
    byteSize: z.number().int(),
    sha256: z.string(),
    currentVersion: z.number().int(),
    readyVersion: z.number().int().nullable(),
    status: z.enum(DOCUMENT_STATUSES),
    failureReason: z.string().nullable(),
    progress: z.object({
      stage: z.string().nullable(),
      chunksDone: z.number().int(),
      chunksTotal: z.number().int().nullable(),
    }),
    tags: z.array(z.string()),
    metadata: z.record(z.string(), z.unknown()),
    summary: z.string().nullable(),
    suggestedTags: z.array(z.string()).nullable(),
    visibility: z.enum(['private', 'tenant']).openapi({
      description:
        '`private`: the owner and members of its collections; `tenant`: every user of the tenant',
    }),
    ownerUserId: z.string().nullable().openapi({
      description: 'The end user whose token uploaded it; null when an API key did',
    }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Document');

export const VersionSchema = z
  .object({
    version: z.number().int(),
    sha256: z.string(),
    byteSize: z.number().int(),
    mimeType: z.string(),
    filename: z.string().nullable(),
    status: z.string(),
    failureReason: z.string().nullable(),
    chunkCount: z.number().int().nullable(),
    chunksReused: z.number().int().nullable(),
    chunksEmbedded: z.number().int().nullable(),
    sliceCount: z.number().int().nullable(),
    createdAt: z.string(),
    readyAt: z.string().nullable(),
  })
  .openapi('DocumentVersion');

export const StatusEventSchema = z
  .object({
    version: z.number().int(),
    stage: z.string(),
    status: z.string(),
    detail: z.record(z.string(), z.unknown()).nullable(),
    at: z.string(),
  })
  .openapi('StatusEvent');

export const DocumentDetailSchema = DocumentSchema.extend({
  versions: z.array(VersionSchema),
  history: z.array(StatusEventSchema),
}).openapi('DocumentDetail');

export const UploadResultSchema = z
  .object({ document: DocumentSchema, duplicate: z.boolean() })
  .openapi('UploadResult');

export const UploadQuery = z
  .object({
    title: Title.optional(),
    tags: z
      .string()
      .max(2048)
      .optional()
      .transform((v) =>
        v
          ? v
              .split(',')
              .map((t) => t.trim())
              .filter(Boolean)
          : undefined,
      )
      .pipe(Tags.optional()),
    metadata: z
      .string()
      .max(16_384)
      .optional()
      .transform((v, ctx) => {
        if (v === undefined) return undefined;
        try {
          return JSON.parse(v) as unknown;
        } catch {
          ctx.addIssue({ code: 'custom', message: 'metadata must be a JSON object' });
          return z.NEVER;
        }
      })
      .pipe(Metadata.optional()),
  })
  .strict();

export const ListQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(100).default(20),
    cursor: z.string().max(512).optional(),
    sort: z.enum(['created', 'updated', 'title']).default('created'),
    order: z.enum(['asc', 'desc']).default('desc'),
    tag: Tag.optional(),
    status: z.enum(DOCUMENT_STATUSES).optional(),
    mime: z.string().max(128).optional(),
    metadata: z
      .union([z.string().max(1024), z.array(z.string().max(1024)).max(16)])
      .optional()
      .openapi({ description: 'key:value, repeatable; all must match' }),
  })
  .strict();

export const PatchBody = z
  .object({
    title: Title.optional(),
    tags: Tags.optional(),
    metadata: Metadata.optional(),
    /** Only the owner, or an owner/admin API key, may change it. */
    visibility: z.enum(['private', 'tenant']).optional(),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, 'nothing to update')
  .openapi('DocumentPatch');

/** Versions are Postgres integers: larger values would fail in the database, not here. */
const VersionNumber = z.coerce.number().int().min(1).max(2_147_483_647);

export const DownloadQuery = z.object({ version: VersionNumber.optional() }).strict();

export const ChunkSchema = z
  .object({
    id: z.uuid(),
    version: z.number().int(),
    ordinal: z.number().int(),
    text: z.string(),
    tokenCount: z.number().int(),
    contentHash: z.string(),
    headingPath: z.array(z.string()),
    charStart: z.number().int(),
    charEnd: z.number().int(),
    page: z.number().int().nullable(),
  })
  .openapi('Chunk');

export const ChunksQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(500).default(100),
    cursor: z.coerce.number().int().min(-1).max(2_147_483_647).optional(),
    version: VersionNumber.optional(),
  })
  .strict();

/** `DELETE /v1/documents/{id}`: the document is hidden and its removal queued. */
export const DeletionSchema = z
  .object({ id: z.string().uuid(), status: z.literal('deleting') })
  .openapi('DocumentDeletion');
