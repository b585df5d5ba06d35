import { displayPrefix, generateApiKey, hashApiKey } from '../../src/auth/api-key';
import { isRole } from '../../src/auth/roles';
import { deriveTokenSigningSecret } from '../../src/auth/user-token';
import type { LocalDatabase } from './local-stack';

type Query = LocalDatabase['query'];

/** Creates the tenant if new and a key with `role`; returns the secret (shown once). */
export async function createTenantKey(
  query: Query,
  input: { tenant: string; role: string; name: string; environment: string },
) {
  if (!isRole(input.role))
    throw new Error(`unknown role '${input.role}' (owner, admin, editor, viewer, ingest)`);
  await query('INSERT INTO tenants (name) VALUES ($1) ON CONFLICT (name) DO NOTHING', [
    input.tenant,
  ]);
  const [tenant] = await query<{ id: string }>('SELECT id FROM tenants WHERE name = $1', [
    input.tenant,
  ]);
  const secret = generateApiKey(input.environment);
  await query(
    'INSERT INTO api_keys (tenant_id, name, role, prefix, key_hash, token_secret) VALUES ($1, $2, $3, $4, $5, $6)',
    [
      tenant!.id,
      input.name,
      input.role,
      displayPrefix(secret),
      await hashApiKey(secret),
      await deriveTokenSigningSecret(secret),
    ],
  );
  return { tenantId: tenant!.id, secret };
}

/** An operator key (manages tenants through /v1/tenants); returns the secret (shown once). */
export async function createOperatorKey(
  query: Query,
  input: { name: string; environment: string },
) {
  const secret = generateApiKey(input.environment);
  const [row] = await query<{ id: string }>(
    'INSERT INTO operator_keys (name, prefix, key_hash) VALUES ($1, $2, $3) RETURNING id',
    [input.name, displayPrefix(secret), await hashApiKey(secret)],
  );
  return { id: row!.id, secret };
}
