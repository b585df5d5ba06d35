// @ts-check
// Who is signed in, and what the console may offer them. An API key (`vk_…`) gets every view;
// a user token (`vut1.…`, issue #16) gets only what its operations allow, so the console never
// shows a button the server would refuse. The server enforces reach either way: this is UX only.
import { api, ApiError, session } from './api.js';
import { looksLikeUserToken } from './vellum-client.js';

/** @typedef {import('../../src/client/types').Self} Self */
/** @typedef {import('../../src/client/types').Role} Role */
/**
 * @typedef {{ kind: 'key', role: Role, tenantId: string }
 *   | { kind: 'user', userId: string, operations: string[], expiresAt: string }} Identity
 */

const IDENTITY = 'vellum.identity';

/**
 * The token's claims, decoded without verifying (the server verifies on every request).
 * @param {string} token
 * @returns {{ sub: string, exp: number, ops?: string[] }}
 */
export function tokenClaims(token) {
  const body = (token.split('.')[1] ?? '').replace(/-/g, '+').replace(/_/g, '/');
  const bytes = Uint8Array.from(atob(body), (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

/**
 * Checks the credential with the server and records who it speaks for. `/v1/keys/self` answers
 * with a token's resolved operations; a token minted without `keys:self` gets 403 there, which
 * still proves it verified (a bad or expired token is 401), and its own claims name its
 * operations. Throws the ApiError of a refused credential.
 * @param {string} credential
 * @returns {Promise<Identity>}
 */
export async function signInWith(credential) {
  session.set(credential);
  /** @type {Identity} */
  let identity;
  if (!looksLikeUserToken(credential)) {
    /** @type {Self} */
    const self = await api('GET', '/v1/keys/self');
    identity = { kind: 'key', role: self.role, tenantId: self.tenantId };
  } else {
    const claims = tokenClaims(credential);
    let operations = claims.ops ?? [];
    try {
      /** @type {Self} */
      const self = await api('GET', '/v1/keys/self');
      operations = self.operations ?? operations;
    } catch (err) {
      if (!(err instanceof ApiError) || err.status !== 403) throw err;
    }
    identity = {
      kind: 'user',
      userId: claims.sub,
      operations,
      expiresAt: new Date(claims.exp * 1000).toISOString(),
    };
  }
  sessionStorage.setItem(IDENTITY, JSON.stringify(identity));
  return identity;
}

/** @returns {Identity | null} */
export function identity() {
  try {
    return JSON.parse(sessionStorage.getItem(IDENTITY) ?? 'null');
  } catch {
    return null;
  }
}

export function signOut() {
  session.clear();
  sessionStorage.removeItem(IDENTITY);
}

/**
 * Whether the signed-in principal may perform `operation` (a key: every view, as before).
 * @param {string} operation
 */
export function can(operation) {
  const who = identity();
  if (!who) return false;
  return who.kind === 'key' || who.operations.includes(operation);
}

/** The end user signed in, or null for an API key. */
export const currentUserId = () => {
  const who = identity();
  return who?.kind === 'user' ? who.userId : null;
};
