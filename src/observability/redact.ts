/**
 * Log lines must never carry credentials or customer content. Keys named like a secret or like
 * content are replaced; strings that look like API keys or bearer tokens are masked wherever
 * they appear.
 */
const SECRET_KEY =
  /(authorization|cookie|secret|password|passwd|token|api[-_]?key|signing|database_?url|dsn|credential)/i;
const CONTENT_KEY =
  /^(text|content|body|prompt|prompts|question|answer|messages|document|chunk|chunks)$/i;
const API_KEY_VALUE = /\bvk_[A-Za-z0-9_-]{6,}/g;
const BEARER_VALUE = /\bBearer\s+[A-Za-z0-9._~+/=-]+/gi;
const URL_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/[^:/\s@]+:)[^@\s/]+@/gi;
/** Query errors append their bind parameters, which may be document text or key hashes. */
const QUERY_PARAMS = /(\bparams:)[^\n]*/g;
const MAX_DEPTH = 6;

export const REDACTED = '[redacted]';

function redactString(value: string): string {
  return value
    .replace(BEARER_VALUE, `Bearer ${REDACTED}`)
    .replace(API_KEY_VALUE, `vk_${REDACTED}`)
    .replace(URL_PASSWORD, `$1${REDACTED}@`)
    .replace(QUERY_PARAMS, `$1 ${REDACTED}`);
}

export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactString(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return '[truncated]';
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    out[key] = SECRET_KEY.test(key) || CONTENT_KEY.test(key) ? REDACTED : redact(v, depth + 1);
  }
  return out;
}
