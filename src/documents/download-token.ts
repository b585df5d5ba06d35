import { parseSigningKeys, signToken, verifyToken } from '../crypto/signing';

export interface DownloadClaims {
  t: string; // tenant
  d: string; // document
  v: number; // version
  exp: number; // unix seconds
}

export const DEFAULT_DOWNLOAD_TTL_SECONDS = 300;
export const MAX_DOWNLOAD_TTL_SECONDS = 3600;

export function downloadTtl(env: { DOWNLOAD_URL_TTL_SECONDS?: string }): number {
  const configured = Number(env.DOWNLOAD_URL_TTL_SECONDS);
  return Number.isFinite(configured) && configured > 0
    ? Math.min(configured, MAX_DOWNLOAD_TTL_SECONDS)
    : DEFAULT_DOWNLOAD_TTL_SECONDS;
}

export function signDownload(claims: DownloadClaims, signingKeys: string) {
  return signToken(claims, parseSigningKeys(signingKeys));
}

export type DownloadCheck =
  { ok: true; claims: DownloadClaims } | { ok: false; reason: 'invalid' | 'expired' };

export async function checkDownload(
  token: string,
  signingKeys: string,
  nowSeconds: number,
): Promise<DownloadCheck> {
  const claims = await verifyToken<DownloadClaims>(token, parseSigningKeys(signingKeys));
  if (
    !claims ||
    typeof claims.t !== 'string' ||
    typeof claims.d !== 'string' ||
    !Number.isInteger(claims.v) ||
    typeof claims.exp !== 'number'
  ) {
    return { ok: false, reason: 'invalid' };
  }
  if (claims.exp <= nowSeconds) return { ok: false, reason: 'expired' };
  return { ok: true, claims };
}
