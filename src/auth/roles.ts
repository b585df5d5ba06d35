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
  | 'events:write'
  | 'tokens:mint';

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
    'tokens:mint',
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
    'tokens:mint',
  ],
  editor: [
    'documents:read',
    'documents:write',
    'documents:upload',
    'search',
    'chat',
    'keys:self',
    'events:write',
    'tokens:mint',
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

export function isPermission(value: string): value is Permission {
  return Object.values(GRANTS).some((grants) => (grants as readonly string[]).includes(value));
}

/** A token minted without `operations`: an end user's everyday set, within the key's role. */
export const DEFAULT_USER_OPERATIONS = [
  'documents:read',
  'documents:write',
  'documents:upload',
  'search',
  'chat',
  'events:write',
  'keys:self',
] as const satisfies readonly Permission[];

/**
 * What a user token may ever carry: the everyday set plus read-only reporting. Key management,
 * minting and tenant settings stay with the tenant's server: a token handed to a browser can
 * never widen itself or mint another. Built on the everyday set, so no default can be an
 * operation a token may not carry.
 */
export const USER_TOKEN_OPERATIONS = [
  ...DEFAULT_USER_OPERATIONS,
  'audit:read',
  'usage:read',
  'metrics:read',
] as const satisfies readonly Permission[];

/** Whether a token signed by a key of `role` may carry `operation`. */
export function canDelegate(role: Role, operation: string): boolean {
  return (
    (USER_TOKEN_OPERATIONS as readonly string[]).includes(operation) &&
    roleAllows(role, operation as Permission)
  );
}

/** The default operations a token of a key of `role` gets. */
export function defaultUserOperations(role: Role): Permission[] {
  return DEFAULT_USER_OPERATIONS.filter((op) => roleAllows(role, op));
}
