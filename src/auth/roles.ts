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
  | 'keys:self'
  | 'settings:manage'
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
    'keys:self',
    'settings:manage',
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
    'keys:self',
    'settings:manage',
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
    'keys:self',
    'events:write',
  ],
  viewer: ['documents:read', 'search', 'chat', 'keys:self', 'events:write'],
  ingest: ['documents:upload', 'keys:self'],
};

export function roleAllows(role: Role, permission: Permission): boolean {
  return GRANTS[role].includes(permission);
}

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/** Key-minting order: owner > admin > the rest. A key never grants more than it holds. */
const RANK: Record<Role, number> = { owner: 3, admin: 2, editor: 1, viewer: 1, ingest: 1 };

/** Whether a key of role `actor` may create, rotate or revoke a key of role `target`. */
export function canManageRole(actor: Role, target: Role): boolean {
  return RANK[actor] >= RANK[target];
}
