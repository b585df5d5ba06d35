import type { z } from '@hono/zod-openapi';
import { accessOf } from '../access/visibility';
import type { Database } from '../db/client';
import type { Env } from '../env';
import { ApiError } from '../errors';
import type { Principal } from '../types';
import { downloadTtl, signDownload } from './download-token';
import { requireDocument } from './guard';
import { documentDetail, findVersion, listChunks, listDocuments } from './repository';
import type { ChunksQuery, ListQuery } from './schemas';

/** Reads of documents the caller can see, as plain calls: the routes only adapt the request. */

/** `metadata=key:value` filters (one or repeated) as pairs; all must match. */
export function metadataFilters(raw: string | string[] | undefined): Array<[string, string]> {
  const pairs = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  return pairs.map((pair): [string, string] => {
    const at = pair.indexOf(':');
    if (at < 1)
      throw new ApiError(400, 'validation_failed', 'metadata filters look like key:value');
    return [pair.slice(0, at), pair.slice(at + 1)];
  });
}

export async function listVisibleDocuments(
  db: Database,
  principal: Principal,
  query: z.infer<typeof ListQuery>,
) {
  const metadata = metadataFilters(query.metadata);
  return listDocuments(db, principal.tenantId, { ...query, metadata }, accessOf(principal));
}

/** A document with its versions and status history. */
export async function visibleDocumentDetail(db: Database, principal: Principal, id: string) {
  const row = await requireDocument(db, principal, id);
  return documentDetail(db, row);
}

/**
 * A short-lived signed URL for a stored version (the latest unless `version` is given),
 * resolved against `requestUrl`, so it points at the deployment the caller reached.
 */
export async function downloadLink(
  deps: {
    db: Database;
    env: Pick<Env, 'SIGNING_KEYS' | 'DOWNLOAD_URL_TTL_SECONDS'>;
    principal: Principal;
  },
  id: string,
  requested: number | undefined,
  requestUrl: string,
) {
  const row = await requireDocument(deps.db, deps.principal, id);
  const version = requested ?? row.currentVersion;
  if (!(await findVersion(deps.db, row.tenantId, row.id, version)))
    throw ApiError.notFound('version');
  const exp = Math.floor(Date.now() / 1000) + downloadTtl(deps.env);
  const token = await signDownload(
    { t: row.tenantId, d: row.id, v: version, exp },
    deps.env.SIGNING_KEYS,
  );
  const url = new URL(`/v1/files/${token}`, requestUrl).toString();
  return { url, expiresAt: new Date(exp * 1000).toISOString(), version };
}

/** A page of the served (or a given) version's chunks; none while nothing is served. */
export async function chunkPage(
  db: Database,
  principal: Principal,
  id: string,
  query: z.infer<typeof ChunksQuery>,
) {
  const row = await requireDocument(db, principal, id);
  const version = query.version ?? row.readyVersion;
  if (version === null) return { data: [], version: null, nextCursor: null };
  const page = await listChunks(db, row.tenantId, row.id, version, query.limit, query.cursor ?? -1);
  return { ...page, version };
}
