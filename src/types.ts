import type { Env } from './env';
import type { Database } from './db/client';

export type Role = 'owner' | 'admin' | 'editor' | 'viewer' | 'ingest';

/**
 * Which documents a user token may reach, on top of ownership and sharing (issue #16).
 * Absent fields do not narrow.
 */
export interface DocumentScope {
  collections?: readonly string[];
  tags?: readonly string[];
  /** Only documents the user owns. */
  ownerOnly?: boolean;
}

/**
 * Who is calling. An API key yields `userId: null` and its role decides; a user token
 * (issue #16) carries the end user, the key that signed it (`keyId`, whose role it inherits),
 * the operations it narrows that role to, and an optional document scope.
 */
export interface Principal {
  tenantId: string;
  keyId: string;
  role: Role;
  /** The end user a user token speaks for; null for an API key. */
  userId: string | null;
  /** A user token's allowed operations (a subset of its key's); undefined for API keys. */
  operations?: readonly string[];
  /** A user token's document scope; undefined for API keys. */
  scope?: DocumentScope;
}

export interface AppVariables {
  requestId: string;
  principal: Principal;
  db: Database;
}

export type AppEnv = { Bindings: Env; Variables: AppVariables };
