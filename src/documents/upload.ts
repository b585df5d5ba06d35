import type { Env } from '../env';
import {
  claimIdempotencyKey,
  completeIdempotencyKey,
  releaseIdempotencyKey,
} from '../http/idempotency';
import { requireWritableDocument } from './guard';
import { receiveUpload, type UploadRequest } from './receive';
import { newObjectKey } from './repository';
import {
  addVersionFromUpload,
  createDocumentFromUpload,
  uploadResponse,
  type WriteDeps,
} from './write';

/** What an upload needs: the write's dependencies, plus the upload limit the receiver checks. */
export type UploadDeps = WriteDeps & { env: Pick<Env, 'DOCUMENTS' | 'MAX_UPLOAD_BYTES'> };

type UploadBody = ReturnType<typeof uploadResponse>;

/** An upload's answer; `replayed` when an Idempotency-Key repeated a finished upload. */
export type UploadOutcome =
  | { replayed: true; status: 200 | 202; body: object }
  | { replayed: false; status: 200 | 202; body: UploadBody };

/**
 * A first upload: streams the file to R2, stores document v1 and queues it. With an
 * Idempotency-Key, a repeat of a finished upload gets its first answer (its body is discarded)
 * and a failed one frees the key for a retry.
 */
export async function uploadDocument(
  deps: UploadDeps,
  request: UploadRequest,
  idempotencyKey?: string,
): Promise<UploadOutcome> {
  const { db, principal } = deps;
  if (idempotencyKey) {
    const claim = await claimIdempotencyKey(
      db,
      principal.tenantId,
      idempotencyKey,
      'POST /v1/documents',
    );
    if (claim.kind === 'replay') {
      await request.body?.cancel().catch(() => {});
      return { replayed: true, status: claim.status as 200 | 202, body: claim.body as object };
    }
  }
  try {
    const documentId = crypto.randomUUID();
    const upload = await receiveUpload(
      deps.env,
      request,
      newObjectKey(principal.tenantId, documentId, 1),
    );
    const result = await createDocumentFromUpload(deps, documentId, upload);
    const body = uploadResponse(result);
    if (idempotencyKey) {
      await completeIdempotencyKey(
        db,
        principal.tenantId,
        idempotencyKey,
        result.status,
        body,
        upload.sha256,
      );
    }
    return { replayed: false, status: result.status, body };
  } catch (error) {
    if (idempotencyKey)
      await releaseIdempotencyKey(db, principal.tenantId, idempotencyKey).catch(() => {});
    throw error;
  }
}

/** Version n+1 of a document the caller may change; the previous one serves until it is ready. */
export async function uploadVersion(deps: UploadDeps, id: string, request: UploadRequest) {
  const current = await requireWritableDocument(deps.db, deps.principal, id);
  const version = current.currentVersion + 1;
  const upload = await receiveUpload(
    deps.env,
    request,
    newObjectKey(deps.principal.tenantId, current.id, version),
  );
  const result = await addVersionFromUpload(deps, current, version, upload);
  return { status: result.status, body: uploadResponse(result) };
}
