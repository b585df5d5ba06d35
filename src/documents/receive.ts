import { z } from '@hono/zod-openapi';
import { ApiError } from '../errors';
import { boundaryOf, parseMultipart } from '../http/multipart';
import { streamToR2, type StoredObject } from '../storage/stream-to-r2';
import { cleanFilename } from './filename';
import { isAllowedMimeType, resolveMimeType } from './mime';
import { UploadQuery } from './schemas';
import type { Env } from '../env';

export const DEFAULT_MAX_UPLOAD_BYTES = 100 * 1024 * 1024;
const MAX_FIELD_BYTES = 16 * 1024;
/** Multipart framing and small fields ride on top of the file itself. */
const MULTIPART_OVERHEAD_BYTES = 64 * 1024;

export interface ReceivedUpload extends StoredObject {
  /** The R2 key the bytes were written to; the version row must store exactly this. */
  key: string;
  mimeType: string;
  filename: string | undefined;
  fields: z.output<typeof UploadQuery>;
}

export function maxUploadBytes(env: { MAX_UPLOAD_BYTES?: string }): number {
  const configured = Number(env.MAX_UPLOAD_BYTES);
  return Number.isFinite(configured) && configured > 0 ? configured : DEFAULT_MAX_UPLOAD_BYTES;
}

function unsupported(mime: string | undefined): ApiError {
  return new ApiError(
    415,
    'unsupported_media_type',
    `unsupported file type '${mime ?? 'unknown'}'; allowed: text, markdown, html, csv, json, pdf, docx`,
  );
}

function parseFields(raw: Record<string, string | undefined>) {
  const parsed = UploadQuery.safeParse(raw);
  if (!parsed.success) {
    throw new ApiError(
      400,
      'validation_failed',
      parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
      parsed.error.issues,
    );
  }
  return parsed.data;
}

async function readField(stream: ReadableStream<Uint8Array>): Promise<string> {
  const reader = stream.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_FIELD_BYTES) {
      await reader.cancel();
      throw new ApiError(
        400,
        'validation_failed',
        `form fields are limited to ${MAX_FIELD_BYTES} bytes`,
      );
    }
    parts.push(value);
  }
  return new TextDecoder().decode(await new Blob(parts).arrayBuffer());
}

/** The parts of an upload request the receiver reads; routes take them from the request. */
export interface UploadRequest {
  body: ReadableStream<Uint8Array> | null;
  /** The `content-type` header ('' when absent). */
  contentType: string;
  /** The `content-length` header, if sent. */
  contentLength: string | undefined;
  /** The query string (a raw upload's filename, title, tags, metadata). */
  query: Record<string, string>;
}

/**
 * Streams the upload (raw body or multipart `file` part) into R2 under `key`, returning
 * its hash, size, type and form fields. Fails before writing on a disallowed type or an
 * announced oversize body; deletes what it wrote when anything after that fails.
 */
export async function receiveUpload(
  env: Pick<Env, 'DOCUMENTS' | 'MAX_UPLOAD_BYTES'>,
  request: UploadRequest,
  key: string,
): Promise<ReceivedUpload> {
  const maxBytes = maxUploadBytes(env);
  const { contentType } = request;
  const announced = Number(request.contentLength ?? NaN);
  const multipart = /^multipart\/form-data/i.test(contentType);
  if (announced > maxBytes + (multipart ? MULTIPART_OVERHEAD_BYTES : 0)) {
    throw new ApiError(413, 'file_too_large', `the file exceeds the ${maxBytes}-byte limit`);
  }
  const body = request.body;
  if (!body) throw new ApiError(400, 'empty_file', 'the request has no body');

  if (!multipart) {
    const query = request.query;
    const { filename: rawFilename, ...rest } = query;
    const filename = cleanFilename(rawFilename);
    const fields = parseFields(rest);
    const mimeType = resolveMimeType(contentType, filename);
    if (!isAllowedMimeType(mimeType)) throw unsupported(mimeType);
    const stored = await streamToR2(env.DOCUMENTS, key, body, {
      maxBytes,
      contentType: mimeType!,
      filename: filename ?? fields.title,
    });
    return { ...stored, key, mimeType: mimeType!, filename, fields };
  }

  const raw: Record<string, string> = {};
  let file: (StoredObject & { mimeType: string; filename: string | undefined }) | undefined;
  try {
    for await (const part of parseMultipart(body, boundaryOf(contentType))) {
      if (part.name === 'file') {
        if (file) throw new ApiError(400, 'bad_request', 'send one file per request');
        const filename = cleanFilename(part.filename);
        const mimeType = resolveMimeType(part.contentType, filename);
        if (!isAllowedMimeType(mimeType)) throw unsupported(mimeType);
        const stored = await streamToR2(env.DOCUMENTS, key, part.body, {
          maxBytes,
          contentType: mimeType!,
          filename,
        });
        file = { ...stored, mimeType: mimeType!, filename };
      } else if (['title', 'tags', 'metadata'].includes(part.name)) {
        raw[part.name] = await readField(part.body);
      } else {
        throw new ApiError(400, 'validation_failed', `unknown form field '${part.name}'`);
      }
    }
    if (!file) throw new ApiError(400, 'validation_failed', "the form has no 'file' part");
    return { ...file, key, fields: parseFields(raw) };
  } catch (error) {
    if (file) await env.DOCUMENTS.delete(key).catch(() => {});
    throw error;
  }
}
