import { z } from '@hono/zod-openapi';
import { USER_TOKEN_OPERATIONS } from '../auth/roles';
import {
  MAX_SCOPE_ENTRIES,
  MAX_USER_ID_LENGTH,
  MAX_USER_TOKEN_TTL_SECONDS,
  isValidUserId,
} from '../auth/user-token';

const scopeEntries = z.array(z.string().min(1).max(128)).max(MAX_SCOPE_ENTRIES);

export const TokenScopeSchema = z
  .object({
    collections: scopeEntries.optional().openapi({ description: 'Only these collections' }),
    tags: scopeEntries.optional().openapi({ description: 'Only documents with one of these tags' }),
    ownerOnly: z.boolean().optional().openapi({ description: 'Only documents the user owns' }),
  })
  .strict()
  .openapi('UserTokenScope');

export const CreateTokenBody = z
  .object({
    userId: z
      .string()
      .min(1)
      .max(MAX_USER_ID_LENGTH)
      .refine(isValidUserId, 'userId must be printable text')
      .openapi({ description: "The end user's id in the tenant's own system" }),
    operations: z
      .array(z.enum(USER_TOKEN_OPERATIONS))
      .min(1)
      .max(USER_TOKEN_OPERATIONS.length)
      .optional()
      .openapi({
        description:
          "A subset of the signing key's permissions; defaults to documents, search, chat and events within the key's role",
      }),
    expiresInSeconds: z
      .number()
      .int()
      .min(1)
      .max(MAX_USER_TOKEN_TTL_SECONDS)
      .optional()
      .openapi({ description: 'Defaults to 3600; at most 86400 (24 h)' }),
    scope: TokenScopeSchema.optional(),
  })
  .strict()
  .openapi('CreateUserToken');

export const IssuedTokenSchema = z
  .object({
    token: z.string().openapi({
      description:
        'vut1.<base64url(JSON claims)>.<base64url(HMAC-SHA-256)>; send as Authorization: Bearer',
    }),
    expiresAt: z.string(),
  })
  .openapi('UserToken');
