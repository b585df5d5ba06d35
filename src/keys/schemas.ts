import { z } from '@hono/zod-openapi';
import { ROLES } from '../auth/roles';
import { IsoTimestamp } from '../http/timestamp';

export const MAX_GRACE_PERIOD_SECONDS = 7 * 24 * 3600;
export const DEFAULT_GRACE_PERIOD_SECONDS = 24 * 3600;

export const KeyIdParam = z.object({
  id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }),
});

export const KeySchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    prefix: z.string(),
    role: z.enum(ROLES),
    lastUsedAt: z.string().nullable(),
    expiresAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi('ApiKey');

export const IssuedKeySchema = z
  .object({
    key: KeySchema,
    secret: z.string().openapi({ description: 'Shown once; only its hash is stored' }),
  })
  .openapi('IssuedApiKey');

export const CreateKeyBody = z
  .object({
    name: z.string().trim().min(1).max(100),
    role: z.enum(ROLES),
    expiresAt: IsoTimestamp()
      .optional()
      .refine(
        (v) => v === undefined || Date.parse(v) > Date.now(),
        'expiresAt must be in the future',
      ),
  })
  .strict()
  .openapi('CreateApiKey');

export const RotateKeyBody = z
  .object({
    gracePeriodSeconds: z
      .number()
      .int()
      .min(0)
      .max(MAX_GRACE_PERIOD_SECONDS)
      .default(DEFAULT_GRACE_PERIOD_SECONDS),
  })
  .strict()
  .openapi('RotateApiKey');

export const ListKeysQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(100).default(20),
    cursor: z.string().max(512).optional(),
  })
  .strict();

export const SelfSchema = z
  .object({
    keyId: z.uuid(),
    tenantId: z.uuid(),
    role: z.enum(ROLES),
    /** Set when a user token makes the request (issue #16). */
    userId: z.string().nullable().optional(),
    operations: z.array(z.string()).optional(),
    scope: z
      .object({
        collections: z.array(z.string()).optional(),
        tags: z.array(z.string()).optional(),
        ownerOnly: z.boolean().optional(),
      })
      .optional(),
  })
  .openapi('CurrentKey');
