// Typed Vellum client: documents, search, keys, audit, metrics and streaming chat.
// Types come from the server's zod schemas (see ./types); transport is plain fetch with retries.
import type {
  ChatEvent,
  Conversation,
  ConversationDetail,
  CreateConversationRequest,
  Feedback,
} from './chat-types';
import { looksLikeUserToken } from '../auth/user-token';
import { mayRetry, withRetries, type RetryOptions } from './retry';
import { parseChatEvents } from './sse';
import type {
  ApiKey,
  AuditEntry,
  CreateTokenRequest,
  Chunk,
  CreateKeyRequest,
  Collection,
  CollectionDetail,
  CreateCollectionRequest,
  Document,
  DocumentDetail,
  DocumentPatch,
  ErrorBody,
  IssuedKey,
  ListDocumentsQuery,
  MetricsReport,
  Page,
  SearchRequest,
  SearchResponse,
  Self,
  UploadResult,
} from './types';

export type * from './types';
export type * from './chat-types';
export { parseChatEvents, parseSse } from './sse';
// Local minting (no round trip): the one runtime module shared with the server, on purpose, so
// a token minted here is byte-for-byte one the server would mint (WebCrypto only).
export { mintUserToken, type MintInput } from '../auth/user-token';
export type { AppType } from '../app';

interface BaseOptions {
  baseUrl: string;
  retry?: RetryOptions;
  fetch?: typeof fetch;
}

/** The current user token, asked for before each request, so a refreshed token is used. */
export type TokenSource = string | (() => string | Promise<string>);

/**
 * A client signs every request with exactly one credential: an API key (`vk_…`), which belongs
 * on a tenant's server, or a user token (`vut1.…`, minted by that server for one end user),
 * which is safe to hand to a browser or app.
 */
export type ClientOptions = BaseOptions &
  ({ apiKey: string; token?: never } | { token: TokenSource; apiKey?: never });

/** A function yielding the bearer credential; throws TypeError on a misplaced one. */
function credentialOf(options: ClientOptions): () => string | Promise<string> {
  const { apiKey, token } = options as { apiKey?: string; token?: TokenSource };
  if ((apiKey === undefined) === (token === undefined)) {
    throw new TypeError('createClient needs exactly one of apiKey or token');
  }
  if (apiKey !== undefined) {
    if (looksLikeUserToken(apiKey)) {
      throw new TypeError('that is a user token (vut1.…): pass it as `token`, not `apiKey`');
    }
    return () => apiKey;
  }
  const check = (value: string) => {
    // An API key handed to a browser is a leaked secret: refuse it here rather than send it.
    if (!looksLikeUserToken(value)) {
      throw new TypeError(
        '`token` takes a user token (vut1.…); an API key belongs on your server, as `apiKey`',
      );
    }
    return value;
  };
  if (typeof token === 'string') {
    check(token);
    return () => token;
  }
  return async () => check(await token!());
}

export class VellumError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId?: string,
  ) {
    super(message);
    this.name = 'VellumError';
  }
}

export interface UploadInput {
  body: Blob | Uint8Array | ArrayBuffer | string;
  filename?: string;
  contentType?: string;
  title?: string;
  tags?: string[];
  metadata?: Record<string, string | number | boolean | null>;
  /** Defaults to a fresh key per upload, reused across its retries. */
  idempotencyKey?: string;
}

type Query = Record<string, string | number | boolean | undefined | string[]>;

export function createClient(options: ClientOptions) {
  const credential = credentialOf(options);
  const base = options.baseUrl.replace(/\/$/, '');
  const doFetch = options.fetch ?? fetch;

  const url = (path: string, query?: Query) => {
    const u = new URL(base + path);
    for (const [k, v] of Object.entries(query ?? {})) {
      if (v === undefined) continue;
      for (const item of Array.isArray(v) ? v : [v]) u.searchParams.append(k, String(item));
    }
    return u.toString();
  };

  async function send(
    method: string,
    path: string,
    init: {
      query?: Query;
      json?: unknown;
      body?: () => BodyInit;
      headers?: Record<string, string>;
      /** A POST that only reads (search) or sets a value (feedback): safe to send again. */
      safe?: boolean;
    } = {},
  ): Promise<Response> {
    const retry =
      init.safe || mayRetry(method, init.headers)
        ? options.retry
        : { ...options.retry, retries: 0 };
    // Once per request (a refreshing source is asked again next time), outside the retry loop,
    // so a refused credential throws at once instead of being retried like a network error.
    const bearer = await credential();
    const res = await withRetries(
      () =>
        doFetch(url(path, init.query), {
          method,
          headers: {
            authorization: `Bearer ${bearer}`,
            ...(init.json !== undefined ? { 'content-type': 'application/json' } : {}),
            ...init.headers,
          },
          body: init.json !== undefined ? JSON.stringify(init.json) : init.body?.(),
        }),
      retry,
    );
    if (!res.ok) {
      const body = (await res.json().catch(() => null)) as ErrorBody | null;
      throw new VellumError(
        res.status,
        body?.error?.code ?? 'http_error',
        body?.error?.message ?? `${method} ${path} failed with ${res.status}`,
        body?.error?.requestId,
      );
    }
    return res;
  }
  const json = async <T>(...args: Parameters<typeof send>): Promise<T> =>
    (await (await send(...args)).json()) as T;

  const documents = {
    list: (query: ListDocumentsQuery = {}) =>
      json<Page<Document>>('GET', '/v1/documents', { query: query as Query }),
    /** Every document, following cursors. */
    async *all(query: ListDocumentsQuery = {}): AsyncGenerator<Document> {
      let cursor: string | undefined;
      do {
        const page = await documents.list({ ...query, limit: 100, cursor });
        yield* page.data;
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
    },
    get: (id: string) => json<DocumentDetail>('GET', `/v1/documents/${id}`),
    update: (id: string, patch: DocumentPatch) =>
      json<Document>('PATCH', `/v1/documents/${id}`, { json: patch }),
    delete: async (id: string) => void (await send('DELETE', `/v1/documents/${id}`)),
    downloadUrl: (id: string) => json<{ url: string }>('GET', `/v1/documents/${id}/download`),
    chunks: (id: string, query: { limit?: number; cursor?: number; version?: number } = {}) =>
      json<{ data: Chunk[]; nextCursor: number | string | null }>(
        'GET',
        `/v1/documents/${id}/chunks`,
        { query },
      ),
    upload: (input: UploadInput) => {
      const form = () => {
        const data = new FormData();
        const blob =
          input.body instanceof Blob
            ? input.body
            : new Blob([input.body], { type: input.contentType ?? 'text/plain' });
        data.append('file', blob, input.filename ?? 'upload');
        if (input.title) data.append('title', input.title);
        if (input.tags?.length) data.append('tags', input.tags.join(','));
        if (input.metadata) data.append('metadata', JSON.stringify(input.metadata));
        return data;
      };
      return json<UploadResult>('POST', '/v1/documents', {
        body: form,
        headers: { 'idempotency-key': input.idempotencyKey ?? crypto.randomUUID() },
      });
    },
  };

  const enc = encodeURIComponent;
  const collections = {
    create: (body: CreateCollectionRequest) =>
      json<Collection>('POST', '/v1/collections', { json: body }),
    list: (query: { limit?: number; cursor?: string } = {}) =>
      json<Page<Collection>>('GET', '/v1/collections', { query }),
    get: (id: string) => json<CollectionDetail>('GET', `/v1/collections/${id}`),
    delete: async (id: string) => void (await send('DELETE', `/v1/collections/${id}`)),
    addDocument: async (id: string, documentId: string) =>
      void (await send('PUT', `/v1/collections/${id}/documents/${documentId}`)),
    removeDocument: async (id: string, documentId: string) =>
      void (await send('DELETE', `/v1/collections/${id}/documents/${documentId}`)),
    addMember: async (id: string, userId: string) =>
      void (await send('PUT', `/v1/collections/${id}/members/${enc(userId)}`)),
    removeMember: async (id: string, userId: string) =>
      void (await send('DELETE', `/v1/collections/${id}/members/${enc(userId)}`)),
  };

  const chat = {
    create: (body: CreateConversationRequest = {}) =>
      json<Conversation>('POST', '/v1/conversations', { json: body }),
    list: () => json<Page<Conversation>>('GET', '/v1/conversations'),
    get: (id: string) => json<ConversationDetail>('GET', `/v1/conversations/${id}`),
    /**
     * `for await (const ev of client.chat.stream(id, 'question'))`. Sent with an
     * `Idempotency-Key` (a fresh one per question unless given), so a retry after a lost reply
     * replays the first answer instead of asking twice.
     */
    async *stream(
      conversationId: string,
      content: string,
      options: { idempotencyKey?: string } = {},
    ): AsyncGenerator<ChatEvent> {
      const res = await send('POST', `/v1/conversations/${conversationId}/messages`, {
        json: { content, stream: true },
        headers: {
          accept: 'text/event-stream',
          'idempotency-key': options.idempotencyKey ?? crypto.randomUUID(),
        },
      });
      yield* parseChatEvents(res.body!);
    },
    feedback: (conversationId: string, messageId: string, feedback: Feedback) =>
      send('POST', `/v1/conversations/${conversationId}/messages/${messageId}/feedback`, {
        json: feedback,
        safe: true, // the latest rating counts: sending it twice changes nothing
      }).then(() => undefined),
    async *answer(question: string): AsyncGenerator<ChatEvent> {
      const res = await send('POST', '/v1/answer', {
        json: { question, stream: true },
        headers: { accept: 'text/event-stream' },
      });
      yield* parseChatEvents(res.body!);
    },
  };

  return {
    documents,
    collections,
    search: (body: SearchRequest) =>
      json<SearchResponse>('POST', '/v1/search', { json: body, safe: true }),
    keys: {
      /** Who this credential is: the key, and for a user token its user, operations and scope. */
      self: () => json<Self>('GET', '/v1/keys/self'),
      list: () => json<Page<ApiKey>>('GET', '/v1/keys'),
      /** With an `Idempotency-Key` (fresh unless given): a retry cannot issue a second key. */
      create: (body: CreateKeyRequest, options: { idempotencyKey?: string } = {}) =>
        json<IssuedKey>('POST', '/v1/keys', {
          json: body,
          headers: { 'idempotency-key': options.idempotencyKey ?? crypto.randomUUID() },
        }),
      rotate: (id: string) => json<IssuedKey>('POST', `/v1/keys/${id}/rotate`, { json: {} }),
      revoke: async (id: string) => void (await send('DELETE', `/v1/keys/${id}`)),
    },
    /** Server-side minting; `mintUserToken(apiKey, …)` does the same locally. */
    tokens: {
      create: (body: CreateTokenRequest) =>
        json<{ token: string; expiresAt: string }>('POST', '/v1/tokens', { json: body }),
    },
    audit: (query: { limit?: number; cursor?: string } = {}) =>
      json<Page<AuditEntry>>('GET', '/v1/audit', { query }),
    metrics: (window?: number) =>
      json<MetricsReport>('GET', '/v1/admin/metrics', { query: { window } }),
    chat,
  };
}

export type VellumClient = ReturnType<typeof createClient>;
