import type { Role } from '../types';

export const ROLES = [
  'owner',
  'admin',
  'editor',
  'viewer',
  'ingest',
] as const satisfies readonly Role[];

/** What each operation needs. Routes name a permission; this table is the one place roles map to them. */
export type Permission =
  | 'documents:read'
  | 'documents:write'
  | 'documents:upload'
  | 'search'
  | 'chat'
  | 'keys:manage'
  | 'audit:read'
  | 'metrics:read'
  | 'usage:read'
  | 'events:write';

const GRANTS: Record<Role, readonly Permission[]> = {
  owner: [
    'documents:read',
    'documents:write',
    'documents:upload',
    'search',
    'chat',
    'keys:manage',
    'audit:read',
    'metrics:read',
    'usage:read',
    'events:write',
  ],
  admin: [
    'documents:read',
    'documents:write',
    'documents:upload',
    'search',
    'chat',
    'keys:manage',
    'audit:read',
    'metrics:read',
    'usage:read',
    'events:write',
  ],
  editor: [
    'documents:read',
    'documents:write',
    'documents:upload',
    'search',
    'chat',
    'events:write',
  ],
  viewer: ['documents:read', 'search', 'chat', 'events:write'],
  ingest: ['documents:upload'],
};

export function roleAllows(role: Role, permission: Permission): boolean {
  return GRANTS[role].includes(permission);
}

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}
