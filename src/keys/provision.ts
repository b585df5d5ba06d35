import { eq } from 'drizzle-orm';
import { displayPrefix, generateApiKey, hashApiKey } from '../auth/api-key';
import { deriveTokenSigningSecret } from '../auth/user-token';
import type { Database } from '../db/client';
import { apiKeys, tenants } from '../db/schema';
import type { Role } from '../types';

/** Finds or creates a tenant by name. */
export async function ensureTenant(db: Database, name: string): Promise<string> {
  const [created] = await db
    .insert(tenants)
    .values({ name })
    .onConflictDoNothing()
    .returning({ id: tenants.id });
  if (created) return created.id;
  const [existing] = await db
    .select({ id: tenants.id })
    .from(tenants)
    .where(eq(tenants.name, name));
  return existing!.id;
}

/** Mints a key; the secret is returned once and only its hash is stored. */
export async function issueKey(
  db: Database,
  input: {
    tenantId: string;
    role: Role;
    name: string;
    environment: string;
    expiresAt?: Date | null;
    createdBy?: string;
  },
) {
  const secret = generateApiKey(input.environment);
  const [row] = await db
    .insert(apiKeys)
    .values({
      tenantId: input.tenantId,
      name: input.name,
      role: input.role,
      prefix: displayPrefix(secret),
      keyHash: await hashApiKey(secret),
      // Stored so the edge can verify the user tokens this key signs without the key itself.
      tokenSecret: await deriveTokenSigningSecret(secret),
      expiresAt: input.expiresAt ?? null,
      createdBy: input.createdBy ?? null,
    })
    .returning();
  return { secret, key: row! };
}
