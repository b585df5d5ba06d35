import { z } from '@hono/zod-openapi';

/** End-user ids as a tenant's server names them (opaque to Vellum). */
export const UserId = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[^\s/]+$/, 'user ids have no spaces or slashes');

export const CollectionIdParam = z.object({
  id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }),
});
export const CollectionDocumentParam = CollectionIdParam.extend({
  documentId: z.uuid().openapi({ param: { name: 'documentId', in: 'path' } }),
});
export const CollectionMemberParam = CollectionIdParam.extend({
  userId: UserId.openapi({ param: { name: 'userId', in: 'path' } }),
});

export const CreateCollectionBody = z
  .object({
    name: z.string().trim().min(1).max(200),
    /** Users who may read its documents; a user token's own user is always a member. */
    members: z.array(UserId).max(1000).optional(),
  })
  .strict()
  .openapi('CreateCollection');

export const CollectionSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    ownerUserId: z.string().nullable().openapi({
      description: 'The end user who created it (and manages it); null when an API key did',
    }),
    createdAt: z.string(),
  })
  .openapi('Collection');

export const CollectionDetailSchema = CollectionSchema.extend({
  members: z.array(z.string()),
  /** Its documents the caller can see (members see all of them unless a token scope narrows). */
  documentIds: z.array(z.uuid()),
}).openapi('CollectionDetail');

export const ListCollectionsQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(100).default(50),
    cursor: z.string().max(200).optional(),
  })
  .strict();
