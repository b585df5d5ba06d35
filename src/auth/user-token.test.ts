import { describe, expect, it } from 'vitest';
import { base64UrlDecode, base64UrlEncode, utf8 } from '../crypto/encoding';
import { hashApiKey } from './api-key';
import {
  buildClaims,
  deriveTokenSigningSecret,
  mintUserToken,
  parseUserToken,
  signUserToken,
  verifyUserTokenMac,
} from './user-token';

const KEY = 'vk_test_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
const input = {
  tenantId: '00000000-0000-4000-8000-000000000001',
  keyId: '00000000-0000-4000-8000-000000000002',
  userId: 'user-42',
  now: Date.UTC(2026, 0, 1),
};

describe('user token codec', () => {
  it('derives a stable signing secret that is not the lookup hash', async () => {
    const a = await deriveTokenSigningSecret(KEY);
    expect(a).toBe(await deriveTokenSigningSecret(KEY));
    expect(a).not.toBe(await deriveTokenSigningSecret(`${KEY.slice(0, -1)}B`));
    expect(a).not.toBe(await hashApiKey(KEY));
    expect(base64UrlDecode(a)).toHaveLength(32);
  });

  it('mints locally exactly what signing the same claims with the stored secret gives', async () => {
    const local = await mintUserToken(KEY, { ...input, operations: ['search'] });
    const server = await signUserToken(
      buildClaims({ ...input, operations: ['search'] }),
      await deriveTokenSigningSecret(KEY),
    );
    expect(local.token).toBe(server);
    expect(local.token).toMatch(/^vut1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(local.expiresAt).toBe(new Date(input.now + 3600_000).toISOString());
  });

  it('round-trips claims and rejects any change to body or MAC', async () => {
    const secret = await deriveTokenSigningSecret(KEY);
    const { token } = await mintUserToken(KEY, {
      ...input,
      scope: { collections: ['c1'], ownerOnly: true },
    });
    const parsed = parseUserToken(token)!;
    expect(parsed.claims).toMatchObject({
      tid: input.tenantId,
      kid: input.keyId,
      sub: 'user-42',
      scope: { collections: ['c1'], ownerOnly: true },
    });
    expect(await verifyUserTokenMac(parsed, secret)).toBe(true);
    expect(await verifyUserTokenMac(parsed, await deriveTokenSigningSecret(`${KEY}x`))).toBe(false);

    const [prefix, , mac] = token.split('.');
    const forged = base64UrlEncode(utf8(JSON.stringify({ ...parsed.claims, sub: 'user-43' })));
    const tampered = parseUserToken(`${prefix}.${forged}.${mac}`)!;
    expect(await verifyUserTokenMac(tampered, secret)).toBe(false);
    const flipped = mac!.startsWith('A') ? `B${mac!.slice(1)}` : `A${mac!.slice(1)}`;
    expect(
      await verifyUserTokenMac(
        parseUserToken(`${prefix}.${token.split('.')[1]}.${flipped}`)!,
        secret,
      ),
    ).toBe(false);
  });

  it('refuses malformed tokens and out-of-range input', () => {
    for (const bad of [
      'vut1.',
      'vut1.a.b.c',
      'vut2.e30.AA',
      `vut1.${base64UrlEncode(utf8('{}'))}.AA`,
      'vut1.%%%.AA',
    ]) {
      expect(parseUserToken(bad)).toBeNull();
    }
    expect(() => buildClaims({ ...input, expiresInSeconds: 86_401 })).toThrow(RangeError);
    expect(() => buildClaims({ ...input, expiresInSeconds: 0 })).toThrow(RangeError);
    expect(() => buildClaims({ ...input, userId: '' })).toThrow(RangeError);
    expect(() => buildClaims({ ...input, userId: 'a\nb' })).toThrow(RangeError);
    expect(() => buildClaims({ ...input, scope: { ownerOnly: 'yes' as never } })).toThrow(
      RangeError,
    );
    expect(buildClaims({ ...input, expiresInSeconds: 86_400 }).exp).toBe(input.now / 1000 + 86_400);
  });
});
