import { toHex } from '../crypto/encoding';
import { ApiError } from '../errors';

/** R2 multipart parts must be equal-sized (but the last) and at least 5 MiB. */
export const UPLOAD_PART_BYTES = 8 * 1024 * 1024;

export interface StoredObject {
  sha256: string;
  size: number;
}

export interface StreamToR2Options {
  maxBytes: number;
  contentType: string;
  filename?: string;
  partBytes?: number;
  customMetadata?: Record<string, string>;
}

/** An R2 call failed: a retryable 503 with a stable code, not a 500 (the cause is logged). */
async function r2<T>(op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (cause) {
    const error = new ApiError(
      503,
      'storage_unavailable',
      'file storage is unavailable; nothing was stored, retry shortly',
      undefined,
      { 'Retry-After': '5' },
    );
    error.cause = cause; // logged by the error handler, never sent
    throw error;
  }
}

/**
 * Streams a body into R2 while hashing it, holding at most one part in memory.
 * Small bodies become one PUT; larger ones a multipart upload. On any failure
 * (too large, empty, client abort) nothing is left behind in the bucket.
 */
export async function streamToR2(
  bucket: R2Bucket,
  key: string,
  body: ReadableStream<Uint8Array>,
  options: StreamToR2Options,
): Promise<StoredObject> {
  const partBytes = options.partBytes ?? UPLOAD_PART_BYTES;
  const httpMetadata: R2HTTPMetadata = {
    contentType: options.contentType,
    ...(options.filename
      ? {
          contentDisposition: `attachment; filename*=UTF-8''${encodeURIComponent(options.filename)}`,
        }
      : {}),
  };
  const digest = new crypto.DigestStream('SHA-256');
  const hashWriter = digest.getWriter();
  // An aborted upload rejects the digest; that outcome is handled below, not unhandled.
  digest.digest.catch(() => {});
  const reader = body.getReader();
  let buffer = new Uint8Array(partBytes);
  let filled = 0;
  let size = 0;
  let upload: R2MultipartUpload | undefined;
  const parts: R2UploadedPart[] = [];

  const flushPart = async () => {
    upload ??= await r2(() =>
      bucket.createMultipartUpload(key, { httpMetadata, customMetadata: options.customMetadata }),
    );
    const current = upload;
    parts.push(await r2(() => current.uploadPart(parts.length + 1, buffer.subarray(0, filled))));
    buffer = new Uint8Array(partBytes);
    filled = 0;
  };

  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!value?.byteLength) continue;
      size += value.byteLength;
      if (size > options.maxBytes) {
        throw new ApiError(
          413,
          'file_too_large',
          `the file exceeds the ${options.maxBytes}-byte limit`,
        );
      }
      await hashWriter.write(value);
      let offset = 0;
      while (offset < value.byteLength) {
        const take = Math.min(partBytes - filled, value.byteLength - offset);
        buffer.set(value.subarray(offset, offset + take), filled);
        filled += take;
        offset += take;
        if (filled === partBytes) await flushPart();
      }
    }
    if (size === 0) throw new ApiError(400, 'empty_file', 'the file is empty');
    await hashWriter.close();
    const sha256 = toHex(await digest.digest);
    if (upload) {
      if (filled > 0) await flushPart();
      const current = upload;
      await r2(() => current.complete(parts));
    } else {
      await r2(() =>
        bucket.put(key, buffer.subarray(0, filled), {
          httpMetadata,
          customMetadata: options.customMetadata,
          sha256,
        }),
      );
    }
    return { sha256, size };
  } catch (error) {
    reader.cancel().catch(() => {});
    hashWriter.abort().catch(() => {});
    if (upload) await upload.abort().catch(() => {});
    throw error;
  }
}
