import type { Env } from './env';
import type { Database } from './db/client';

export type Role = 'owner' | 'admin' | 'editor' | 'viewer' | 'ingest';

export interface Principal {
  tenantId: string;
  keyId: string;
  role: Role;
}

export interface AppVariables {
  requestId: string;
  principal: Principal;
  db: Database;
}

export type AppEnv = { Bindings: Env; Variables: AppVariables };
