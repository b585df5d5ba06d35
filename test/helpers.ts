import { createExecutionContext, env, SELF, waitOnExecutionContext } from 'cloudflare:test';
import { createApp } from '../src/app';
import type { Env } from '../src/env';
import { openDatabase } from '../src/db/client';
import { ensureTenant, issueKey } from '../src/keys/provision';
import type { Role } from '../src/types';

export const BASE = 'http://vellum.test';

export function withDb<T>(
  work: (db: ReturnType<typeof openDatabase>['db']) => Promise<T>,
): Promise<T> {
  const { db, close } = openDatabase(env);
  return work(db).finally(close);
}

export interface TestClient {
  tenantId: string;
  keyId: string;
  key: string;
  fetch(path: string, init?: RequestInit): Promise<Response>;
  json<T = any>(
    path: string,
    init?: RequestInit,
  ): Promise<{ status: number; body: T; headers: Headers }>;
}

export function clientFor(key: string, tenantId: string, keyId: string): TestClient {
  const doFetch = (path: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    if (!headers.has('authorization')) headers.set('authorization', `Bearer ${key}`);
    return SELF.fetch(`${BASE}${path}`, { ...init, headers });
  };
  return {
    tenantId,
    keyId,
    key,
    fetch: doFetch,
    async json(path, init) {
      const res = await doFetch(path, init);
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
    },
  };
}

/** A fresh tenant with one key of the given role. */
export async function newTenant(role: Role = 'admin', label = 'test'): Promise<TestClient> {
  return withDb(async (db) => {
    const tenantId = await ensureTenant(db, `${label}-${crypto.randomUUID()}`);
    const { secret, key } = await issueKey(db, {
      tenantId,
      role,
      name: 'test',
      environment: 'test',
    });
    return clientFor(secret, tenantId, key.id);
  });
}

/** Another key of another role on the same tenant. */
export async function addKey(client: TestClient, role: Role): Promise<TestClient> {
  return withDb(async (db) => {
    const { secret, key } = await issueKey(db, {
      tenantId: client.tenantId,
      role,
      name: role,
      environment: 'test',
    });
    return clientFor(secret, client.tenantId, key.id);
  });
}

export function uploadText(client: TestClient, text: string, query = '', type = 'text/plain') {
  return client.json(`/v1/documents${query}`, {
    method: 'POST',
    headers: { 'content-type': type },
    body: text,
  });
}

/**
 * The real app called directly with altered bindings, as an operator would configure them (or a
 * test isolating its fakes): same routes and middleware, the given variables on top of the test
 * environment. Waits for the request's background work before answering.
 */
export async function withBindings(
  client: TestClient,
  path: string,
  init: RequestInit,
  overrides: Partial<Env>,
): Promise<{ status: number; body: any; headers: Headers }> {
  const ctx = createExecutionContext();
  const headers = new Headers(init.headers);
  headers.set('authorization', `Bearer ${client.key}`);
  const res = await createApp().fetch(
    new Request(`${BASE}${path}`, { ...init, headers }),
    { ...env, ...overrides } as Env,
    ctx,
  );
  const text = await res.text();
  await waitOnExecutionContext(ctx);
  return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
}
