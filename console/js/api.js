// @ts-check
// Fetch wrapper for the console: the API key or user token lives in sessionStorage only (gone
// with the tab). Retries follow the client's policy (src/client/retry.ts, bundled into
// vellum-client.js): 429/5xx and network errors, Retry-After honoured, and a POST only when it
// is safe to repeat.
import { mayRetry, withRetries } from './vellum-client.js';

/** @typedef {import('../../src/client/types').ErrorBody} ErrorBody */

const KEY = 'vellum.credential';
/** @type {(error: ApiError) => void} */
let unauthorized = () => {};
/**
 * Called when a signed-in credential stops working (an expired token, a revoked key).
 * @param {(error: ApiError) => void} handler
 */
export const onUnauthorized = (handler) => (unauthorized = handler);

export const session = {
  get: () => sessionStorage.getItem(KEY),
  /** @param {string} key */
  set: (key) => sessionStorage.setItem(KEY, key),
  clear: () => sessionStorage.removeItem(KEY),
};

export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {string} code
   * @param {string} message
   */
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/**
 * @param {number} status
 * @param {Partial<ErrorBody> | null | undefined} body
 */
const errorOf = (status, body) =>
  new ApiError(status, body?.error?.code ?? 'http_error', body?.error?.message ?? `HTTP ${status}`);

/** Fewer and shorter waits than the client's defaults: a person is watching. */
const RETRY = { retries: 3, baseDelayMs: 300, maxDelayMs: 10_000 };

/**
 * @typedef {object} RequestOptions
 * @property {Record<string, string>} [headers]
 * @property {boolean} [safe] a POST that only reads (search) or sets a value (feedback)
 * @property {AbortSignal} [signal] cancels the request and its body (leaving a page)
 */

/**
 * Sends a request and returns the response once it is 2xx; throws ApiError otherwise.
 * @param {string} method
 * @param {string} path
 * @param {unknown} [body] sent as JSON
 * @param {RequestOptions} [options]
 * @returns {Promise<Response>}
 */
export async function request(method, path, body, { headers = {}, safe = false, signal } = {}) {
  const res = await withRetries(
    () =>
      fetch(path, {
        method,
        headers: {
          authorization: `Bearer ${session.get()}`,
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...headers,
        },
        body: body !== undefined ? JSON.stringify(body) : undefined,
        signal,
      }),
    safe || mayRetry(method, headers) ? RETRY : { ...RETRY, retries: 0 },
  );
  if (!res.ok) {
    const error = errorOf(res.status, await res.json().catch(() => null));
    if (res.status === 401) unauthorized(error);
    throw error;
  }
  return res;
}

/**
 * JSON request; the caller names the response type from src/client/types.ts.
 * @template [T=unknown]
 * @param {string} method
 * @param {string} path
 * @param {unknown} [body]
 * @param {RequestOptions} [options]
 * @returns {Promise<T>}
 */
export async function api(method, path, body, options) {
  const res = await request(method, path, body, options);
  return res.status === 204 ? /** @type {T} */ (/** @type {unknown} */ (null)) : res.json();
}

/**
 * Multipart upload through XHR, which reports upload progress (fetch does not).
 * @param {File} file
 * @param {(fraction: number) => void} onProgress
 * @returns {Promise<import('../../src/client/types').UploadResult>}
 */
export function uploadFile(file, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/v1/documents');
    xhr.setRequestHeader('authorization', `Bearer ${session.get()}`);
    xhr.setRequestHeader('idempotency-key', crypto.randomUUID());
    xhr.responseType = 'json';
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) resolve(xhr.response);
      else {
        const error = errorOf(xhr.status, xhr.response);
        if (xhr.status === 401) unauthorized(error);
        reject(error);
      }
    };
    xhr.onerror = () => reject(new ApiError(0, 'network', 'network error'));
    const form = new FormData();
    form.append('file', file, file.name);
    form.append('title', file.name);
    xhr.send(form);
  });
}
