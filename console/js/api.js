// Fetch wrapper for the console: the API key or user token lives in sessionStorage only (gone
// with the tab).
const KEY = 'vellum.credential';
let unauthorized = () => {};
/** Called when a signed-in credential stops working (an expired token, a revoked key). */
export const onUnauthorized = (handler) => (unauthorized = handler);

export const session = {
  get: () => sessionStorage.getItem(KEY),
  set: (key) => sessionStorage.setItem(KEY, key),
  clear: () => sessionStorage.removeItem(KEY),
};

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function failure(res) {
  const body = await res.json().catch(() => null);
  return new ApiError(
    res.status,
    body?.error?.code ?? 'http_error',
    body?.error?.message ?? `HTTP ${res.status}`,
  );
}

/** JSON request with one retry wave on 429/5xx, honouring Retry-After. */
export async function api(method, path, body, { raw = false, headers = {} } = {}) {
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(path, {
      method,
      headers: {
        authorization: `Bearer ${session.get()}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    if ((res.status === 429 || res.status >= 500) && attempt < 3) {
      const wait = Number(res.headers.get('retry-after')) * 1000 || 300 * 2 ** attempt;
      await new Promise((r) => setTimeout(r, Math.min(wait, 10_000)));
      continue;
    }
    if (!res.ok) {
      const error = await failure(res);
      if (res.status === 401) unauthorized(error);
      throw error;
    }
    return raw ? res : res.status === 204 ? null : res.json();
  }
}

/** Multipart upload through XHR, which reports upload progress (fetch does not). */
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
        const e = xhr.response?.error;
        const error = new ApiError(
          xhr.status,
          e?.code ?? 'http_error',
          e?.message ?? `HTTP ${xhr.status}`,
        );
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
