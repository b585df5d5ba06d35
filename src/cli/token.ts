// `vellum token mint`: a user token minted locally from the API key, with no round trip.
import { mintUserToken } from '../auth/user-token';
import type { DocumentScope } from '../types';

export interface TokenArgs {
  apiKey: string;
  tenantId?: string;
  keyId?: string;
  user?: string;
  operations?: string;
  ttl?: string;
  collections?: string[];
  tags?: string[];
  ownerOnly?: boolean;
}

/** Returns the token, or throws with a message naming what is missing. */
export async function mintFromArgs(args: TokenArgs, now = Date.now()) {
  const tenantId = args.tenantId ?? process.env.VELLUM_TENANT_ID;
  const keyId = args.keyId ?? process.env.VELLUM_KEY_ID;
  if (!tenantId || !keyId || !args.user) {
    throw new Error(
      'token mint needs --user, and --tenant and --key-id (or VELLUM_TENANT_ID and VELLUM_KEY_ID; GET /v1/keys/self shows both)',
    );
  }
  const scope: DocumentScope = {
    ...(args.collections?.length ? { collections: args.collections } : {}),
    ...(args.tags?.length ? { tags: args.tags } : {}),
    ...(args.ownerOnly ? { ownerOnly: true } : {}),
  };
  return mintUserToken(args.apiKey, {
    tenantId,
    keyId,
    userId: args.user,
    operations: args.operations
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    scope: Object.keys(scope).length ? scope : undefined,
    expiresInSeconds: args.ttl === undefined ? undefined : Number(args.ttl),
    now,
  });
}
