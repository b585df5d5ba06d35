// npm run bench -- tokens — the cost of verifying a user token at the edge: p50/p95 of the same
// POST /v1/search with a user token and with the API key that signed it, interleaved in one run
// against a private local stack (embedded Postgres + wrangler dev). Prints; never asserts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mintUserToken } from '../../src/auth/user-token';
import { startStack } from '../lib/stack';
import { freePort } from './lib';

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

export async function benchTokens(options: { requests?: number } = {}) {
  const requests = options.requests ?? 300;
  const dataDir = mkdtempSync(join(tmpdir(), 'vellum-bench-tokens-'));
  const stack = await startStack({ dataDir, port: await freePort() });
  try {
    const key = await stack.newKey(`bench-tokens-${Date.now()}`, 'owner');
    await stack.unthrottle(key);
    const call = (credential: string, path: string, init: RequestInit = {}) =>
      fetch(`${stack.url}${path}`, {
        ...init,
        headers: { authorization: `Bearer ${credential}`, ...(init.headers ?? {}) },
      });
    const self = (await (await call(key, '/v1/keys/self')).json()) as {
      tenantId: string;
      keyId: string;
    };
    const text = 'Tide tables for the harbour, lighthouse keepers by decade, storm damage.\n';
    const up = await call(key, '/v1/documents', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: text.repeat(20),
    });
    const docId = ((await up.json()) as { document: { id: string } }).document.id;
    for (let i = 0; i < 300; i++) {
      const doc = (await (await call(key, `/v1/documents/${docId}`)).json()) as { status: string };
      if (doc.status === 'ready') break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const { token } = await mintUserToken(key, {
      tenantId: self.tenantId,
      keyId: self.keyId,
      userId: 'bench-user',
      expiresInSeconds: 3600,
    });
    const body = JSON.stringify({ query: 'lighthouse keepers', mode: 'keyword', topK: 5 });
    const search = async (credential: string) => {
      const started = performance.now();
      const res = await call(credential, '/v1/search', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`search answered ${res.status}`);
      return performance.now() - started;
    };
    // Warm both paths (isolate caches, connections), then interleave so drift hits both alike.
    for (let i = 0; i < 20; i++) {
      await search(key);
      await search(token);
    }
    const keyed: number[] = [];
    const tokened: number[] = [];
    for (let i = 0; i < requests; i++) {
      if (i % 2 === 0) {
        keyed.push(await search(key));
        tokened.push(await search(token));
      } else {
        tokened.push(await search(token));
        keyed.push(await search(key));
      }
    }
    keyed.sort((a, b) => a - b);
    tokened.sort((a, b) => a - b);
    const row = (name: string, xs: number[]) =>
      `${name.padEnd(12)} p50 ${quantile(xs, 0.5).toFixed(2).padStart(8)} ms   p95 ${quantile(xs, 0.95).toFixed(2).padStart(8)} ms`;
    console.log(
      `POST /v1/search (keyword, topK 5), ${requests} requests each, interleaved, sequential`,
    );
    console.log(row('API key', keyed));
    console.log(row('user token', tokened));
    console.log(
      `ratio token/key: p50 ${(quantile(tokened, 0.5) / quantile(keyed, 0.5)).toFixed(3)}, ` +
        `p95 ${(quantile(tokened, 0.95) / quantile(keyed, 0.95)).toFixed(3)}; ` +
        `p50 overhead ${(quantile(tokened, 0.5) - quantile(keyed, 0.5)).toFixed(2)} ms`,
    );
  } finally {
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
