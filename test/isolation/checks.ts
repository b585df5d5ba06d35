// The checks the isolation table (cases.ts) is built from: a scanned call, and the usual
// shapes of a route's cases over A's and B's documents, conversations and collections.
import { expect } from 'vitest';
import { freshKey } from '../chat/fake';
import { withBindings, type TestClient } from '../helpers';
import { SECRET, type World } from './world';

export interface Case {
  name: string;
  run(): Promise<void>;
}

export interface Reply {
  status: number;
  body: any;
  text: string;
}

/**
 * Calls as a client; every reply to B is scanned for A's private document (its id and its
 * secret word) and every reply to A for B's, whatever the route and status.
 */
export async function call(
  w: World,
  client: TestClient,
  method: string,
  path: string,
  body?: unknown,
): Promise<Reply> {
  const res = await client.fetch(path, {
    method,
    ...(body !== undefined
      ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }
      : {}),
  });
  const text = await res.text();
  const forbidden =
    client === w.B || client === w.bOwnerOnly
      ? [SECRET.privateA, w.docs.privateA, w.collections.privateA, w.conversations.ofA]
      : client === w.A
        ? [SECRET.privateB, w.docs.privateB, w.collections.ofB]
        : [];
  for (const word of forbidden) expect(text, `${method} ${path}`).not.toContain(word);
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = text;
  }
  return { status: res.status, body: parsed, text };
}

export const expectStatus = (
  w: World,
  client: TestClient,
  method: string,
  path: string,
  want: number,
  body?: unknown,
): Case => ({
  name: `${method} ${path} -> ${want}`,
  async run() {
    const reply = await call(w, client, method, path, body);
    expect(reply.status, `${method} ${path}: ${reply.text.slice(0, 300)}`).toBe(want);
  },
});

/** The four documents of the issue as B sees them: private 404, shared and collection 200, none 404. */
export function readable(w: World, method: string, path: (id: string) => string): Case[] {
  return [
    expectStatus(w, w.B, method, path(w.docs.privateA), 404),
    expectStatus(w, w.B, method, path(w.docs.sharedA), 200),
    expectStatus(w, w.B, method, path(w.docs.collectionA), 200),
    expectStatus(w, w.B, method, path(w.missing), 404),
    expectStatus(w, w.bOwnerOnly, method, path(w.docs.sharedA), 404),
    expectStatus(w, w.A, method, path(w.docs.privateA), 200),
    expectStatus(w, w.A, method, path(w.docs.privateB), 404),
  ];
}

/** Writes: B may not change what is not B's: invisible 404, visible but not B's 403. */
export function writable(
  w: World,
  method: string,
  path: (id: string) => string,
  body?: unknown,
): Case[] {
  return [
    expectStatus(w, w.B, method, path(w.docs.privateA), 404, body),
    expectStatus(w, w.B, method, path(w.docs.sharedA), 403, body),
    expectStatus(w, w.B, method, path(w.docs.collectionA), 403, body),
    expectStatus(w, w.B, method, path(w.missing), 404, body),
    expectStatus(w, w.viewer, method, path(w.docs.privateA), 403, body),
  ];
}

/** A conversation of A's: other users and non-admin keys 404, the owner and admin keys not. */
export function conversation(
  w: World,
  method: string,
  path: (id: string) => string,
  body?: unknown,
  ok = 200,
): Case[] {
  return [
    expectStatus(w, w.B, method, path(w.conversations.ofA), 404, body),
    expectStatus(w, w.viewer, method, path(w.conversations.ofA), 404, body),
    expectStatus(w, w.A, method, path(w.conversations.ofViewer), 404, body),
    expectStatus(w, w.B, method, path(w.missing), 404, body),
    ...(ok ? [expectStatus(w, w.admin, method, path(w.conversations.ofA), ok, body)] : []),
  ];
}

/** Routes only the tenant's own server should use: a user token is refused whatever its signer. */
export function tenantAdminOnly(w: World, method: string, path: string, body?: unknown): Case[] {
  return [
    {
      name: `${method} ${path} refuses user tokens`,
      async run() {
        for (const client of [w.A, w.B]) {
          const reply = await call(w, client, method, path, body);
          expect([401, 403, 404], `${method} ${path}: ${reply.text.slice(0, 200)}`).toContain(
            reply.status,
          );
        }
      },
    },
  ];
}

export function search(w: World, mode: string): Case[] {
  const query = (client: TestClient, q: string) =>
    call(w, client, 'POST', '/v1/search', { query: q, mode, topK: 20 });
  const documentsOf = (reply: Reply) =>
    new Set((reply.body.results as any[]).map((r) => r.documentId));
  return [
    {
      name: `search ${mode}: B never sees A's private document, even by asking for it`,
      async run() {
        for (const q of [`quokka ledger password ${SECRET.privateA}`, 'quokka vault password']) {
          const reply = await query(w.B, q);
          expect(reply.status).toBe(200);
          expect(documentsOf(reply).has(w.docs.privateA)).toBe(false);
        }
        const filtered = await call(w, w.B, 'POST', '/v1/search', {
          query: 'quokka',
          mode,
          topK: 20,
          filters: { documentIds: [w.docs.privateA] },
        });
        expect(filtered.body.results).toEqual([]);
      },
    },
    {
      name: `search ${mode}: B finds what is shared with it, A its own`,
      async run() {
        const b = documentsOf(await query(w.B, 'quokka'));
        expect(b.has(w.docs.sharedA) && b.has(w.docs.collectionA) && b.has(w.docs.keyDoc)).toBe(
          true,
        );
        const a = documentsOf(await query(w.A, 'quokka ledger vault password'));
        expect(a.has(w.docs.privateA)).toBe(true);
        expect(a.has(w.docs.privateB)).toBe(false);
        const scoped = documentsOf(await query(w.bOwnerOnly, 'quokka'));
        expect([...scoped]).toEqual([w.docs.privateB]);
      },
    },
  ];
}

/**
 * The answer cache and chat retrieval: A's question is answered from A's private document and
 * cached; the same question from B (and from B after a key asked it) is never answered from
 * it, in text, citations or retrieved chunks.
 */
export function answerCase(w: World): Case {
  return {
    name: "answers: B never gets A's passages or A's cached answer",
    async run() {
      const suffix = crypto.randomUUID().slice(0, 8);
      const llm = {
        ANTHROPIC_API_KEY: freshKey(),
        ANTHROPIC_MODEL_PRIMARY: `claude-sonnet-4-5-${suffix}`,
        ANTHROPIC_MODEL_SECONDARY: `claude-haiku-4-5-${suffix}`,
      };
      const question = 'What password does the quokka ledger record for the vault?';
      const ask = (client: TestClient) =>
        withBindings(
          client,
          '/v1/answer',
          {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ question }),
          },
          llm,
        );
      const first = await ask(w.A);
      expect(first.status).toBe(200);
      expect(JSON.stringify(first.body)).toContain(SECRET.privateA);
      const again = await ask(w.A);
      expect(again.body.tier).toBe('cache');
      // B's first ask cannot be a cache hit (A's and the key's partitions are not B's); later
      // ones may hit B's own entry. None may carry A's private document.
      for (const [i, asker] of [w.B, w.admin, w.B].entries()) {
        const reply = await ask(asker);
        expect(reply.status).toBe(200);
        if (asker !== w.B) continue;
        const text = JSON.stringify(reply.body);
        expect(text).not.toContain(SECRET.privateA);
        expect(text).not.toContain(w.docs.privateA);
        if (i === 0) expect(reply.body.tier).not.toBe('cache');
      }
    },
  };
}
