import { describe, expect, it } from 'vitest';
import { createClient, mintUserToken, type ClientOptions } from './index';

/** A server that records the Authorization header of every request and answers /v1/keys/self. */
function recordingServer() {
  const seen: (string | null)[] = [];
  const fetch = (async (_url: string, init: RequestInit) => {
    seen.push(new Headers(init.headers).get('authorization'));
    return Response.json({ keyId: 'k', tenantId: 't', role: 'editor', userId: 'alice' });
  }) as typeof globalThis.fetch;
  return { seen, fetch };
}

const KEY = 'vk_dev_0123456789abcdef';
const mint = (userId: string) =>
  mintUserToken(KEY, { tenantId: 'tenant-1', keyId: 'key-1', userId }).then((t) => t.token);

describe('the typed client takes an API key or a user token', () => {
  it('sends an API key as the bearer credential', async () => {
    const server = recordingServer();
    const client = createClient({ baseUrl: 'https://v.test', apiKey: KEY, fetch: server.fetch });
    await client.documents.list();
    expect(server.seen).toEqual([`Bearer ${KEY}`]);
  });

  it('sends a user token as the bearer credential and reads who it speaks for', async () => {
    const server = recordingServer();
    const token = await mint('alice');
    const client = createClient({ baseUrl: 'https://v.test', token, fetch: server.fetch });
    const self = await client.keys.self();
    expect(self.userId).toBe('alice');
    expect(server.seen).toEqual([`Bearer ${token}`]);
  });

  it('asks a token source before each request, so a refreshed token is used', async () => {
    const server = recordingServer();
    const tokens = [await mint('alice'), await mint('alice-renewed')];
    let calls = 0;
    const client = createClient({
      baseUrl: 'https://v.test',
      token: async () => tokens[Math.min(calls++, 1)]!,
      fetch: server.fetch,
    });
    await client.documents.list();
    await client.search({ query: 'tides' });
    expect(server.seen).toEqual([`Bearer ${tokens[0]}`, `Bearer ${tokens[1]}`]);
  });

  it('refuses an API key given as a token, a token given as a key, and neither or both', async () => {
    const token = await mint('alice');
    const make = (options: unknown) =>
      createClient({ baseUrl: 'https://v.test', ...(options as object) } as ClientOptions);
    // The one that matters: an API key must not be sent from where tokens are meant to be.
    expect(() => make({ token: KEY })).toThrow(/belongs on your server/);
    expect(() => make({ apiKey: token })).toThrow(/pass it as `token`/);
    expect(() => make({})).toThrow(/exactly one/);
    expect(() => make({ apiKey: KEY, token })).toThrow(/exactly one/);
  });

  it('refuses a token source that yields an API key, before sending anything', async () => {
    const server = recordingServer();
    const client = createClient({
      baseUrl: 'https://v.test',
      token: () => KEY,
      fetch: server.fetch,
    });
    await expect(client.documents.list()).rejects.toThrow(TypeError);
    expect(server.seen).toEqual([]);
  });
});
