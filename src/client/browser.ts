// The client's runtime pieces the web console needs, bundled by scripts/lib/console-assets.ts
// into console/js/vellum-client.js: one SSE parser, one retry policy and one roles list for the
// client and the console. Browser-safe only (fetch, streams, WebCrypto).
export { parseChatEvents, parseSse, type RawSseEvent } from './sse';
export {
  backoffMs,
  isRetryable,
  mayRetry,
  retryAfterMs,
  withRetries,
  type RetryOptions,
} from './retry';
export { ROLES } from '../auth/roles';
export { looksLikeUserToken } from '../auth/user-token';
