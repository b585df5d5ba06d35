import { env, SELF } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { signDownload, type DownloadClaims } from '../src/documents/download-token';
import { BASE, newTenant, uploadText } from './helpers';

const now = () => Math.floor(Date.now() / 1000);
const fetchToken = (token: string) => SELF.fetch(`${BASE}/v1/files/${token}`);
const errorCode = async (res: Response) =>
  ((await res.json()) as { error: { code: string } }).error.code;

describe('signed download URLs', () => {
  const text = `downloadable ${crypto.randomUUID()}`;
  let claims: DownloadClaims;
  // test/wrangler.test.toml: "k2:...,k1:..." — k2 signs, both verify.
  const [current, older] = env.SIGNING_KEYS.split(',') as [string, string];

  beforeAll(async () => {
    const client = await newTenant('editor', 'dl');
    const uploaded = await uploadText(client, text);
    claims = { t: client.tenantId, d: uploaded.body.document.id, v: 1, exp: now() + 300 };
    const issued = await client.json(`/v1/documents/${claims.d}/download`);
    expect(issued.status).toBe(200);
    const res = await SELF.fetch(issued.body.url);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(text);
  });

  it('serves a token signed with the current key', async () => {
    const res = await fetchToken(await signDownload(claims, env.SIGNING_KEYS));
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(text);
  });

  it('still verifies a token signed with the second (older) key', async () => {
    const token = await signDownload(claims, older);
    expect(token.split('.')[1]).toBe(older.split(':')[0]);
    const res = await fetchToken(token);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(text);
  });

  it('rejects a token signed with a key that has been removed', async () => {
    const res = await fetchToken(await signDownload(claims, 'k0:retired-signing-secret-000000'));
    expect(res.status).toBe(403);
    expect(await errorCode(res)).toBe('invalid_token');
  });

  it('rejects a token whose kid is current but whose secret is not', async () => {
    const kid = current.split(':')[0];
    const res = await fetchToken(await signDownload(claims, `${kid}:forged-secret-0000000000000`));
    expect(res.status).toBe(403);
    expect(await errorCode(res)).toBe('invalid_token');
  });

  it('rejects a forged MAC', async () => {
    const [body, kid, mac] = (await signDownload(claims, env.SIGNING_KEYS)).split('.') as [
      string,
      string,
      string,
    ];
    const flipped = (mac[0] === 'A' ? 'B' : 'A') + mac.slice(1);
    const res = await fetchToken(`${body}.${kid}.${flipped}`);
    expect(res.status).toBe(403);
    expect(await errorCode(res)).toBe('invalid_token');
  });

  it('rejects a tampered payload (another document, a later expiry)', async () => {
    const [, kid, mac] = (await signDownload(claims, env.SIGNING_KEYS)).split('.') as [
      string,
      string,
      string,
    ];
    for (const changed of [
      { ...claims, d: crypto.randomUUID() },
      { ...claims, exp: claims.exp + 3600 },
    ]) {
      const body = btoa(JSON.stringify(changed))
        .replace(/\+/g, '-')
        .replace(/\//g, '_')
        .replace(/=+$/, '');
      const res = await fetchToken(`${body}.${kid}.${mac}`);
      expect(res.status).toBe(403);
      expect(await errorCode(res)).toBe('invalid_token');
    }
  });

  it('rejects an expired token with expired_token', async () => {
    const res = await fetchToken(
      await signDownload({ ...claims, exp: now() - 1 }, env.SIGNING_KEYS),
    );
    expect(res.status).toBe(403);
    expect(await errorCode(res)).toBe('expired_token');
  });

  it('rejects garbage with invalid_token', async () => {
    const res = await fetchToken('not-a-token-at-all');
    expect(res.status).toBe(403);
    expect(await errorCode(res)).toBe('invalid_token');
  });
});
