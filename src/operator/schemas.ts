import { z } from '@hono/zod-openapi';
import { IssuedKeySchema } from '../keys/schemas';
import { TenantSettingsPatch, TenantSettingsSchema } from '../tenants/settings';

export const TenantIdParam = z.object({
  id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }),
});

const DeletionSchema = z
  .object({
    status: z.enum(['running', 'done']),
    documentsTotal: z.number().int(),
    documentsDeleted: z.number().int(),
    error: z.string().nullable(),
    requestedAt: z.string(),
    completedAt: z.string().nullable(),
  })
  .openapi('TenantDeletion');

export const TenantSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    status: z.enum(['active', 'deleting', 'deleted']),
    settings: TenantSettingsSchema,
    createdAt: z.string().nullable(),
    deletion: DeletionSchema.nullable(),
  })
  .openapi('Tenant');

const TenantName = z.string().trim().min(1).max(100);

export const CreateTenantBody = z
  .object({ name: TenantName, settings: TenantSettingsSchema.optional() })
  .strict()
  .openapi('CreateTenant');

export const CreatedTenantSchema = IssuedKeySchema.extend({ tenant: TenantSchema }).openapi(
  'CreatedTenant',
);

export const PatchTenantBody = z
  .object({ name: TenantName.optional(), settings: TenantSettingsPatch.optional() })
  .strict()
  .refine((b) => b.name !== undefined || b.settings !== undefined, 'nothing to update')
  .openapi('PatchTenant');

export const ListTenantsQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(100).default(20),
    cursor: z.uuid().optional().openapi({ description: 'The last id of the previous page' }),
  })
  .strict();
