import { APIConnectionError, APIError, APIUserAbortError, AnthropicError } from '@anthropic-ai/sdk';
import { LlmError } from './types';

/** Reads `retry-after-ms` or `retry-after` (seconds or an HTTP date). */
export function retryAfterMs(headers: Headers | undefined, now = Date.now()): number | undefined {
  const ms = Number(headers?.get('retry-after-ms'));
  if (headers?.get('retry-after-ms') && Number.isFinite(ms)) return Math.max(0, ms);
  const value = headers?.get('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * Maps whatever the SDK threw to an `LlmError`. `timedOut` says whether our own timer fired,
 * which the SDK reports as a user abort.
 */
export function toLlmError(
  error: unknown,
  model: string,
  timedOut: 'first_byte' | 'total' | null,
): LlmError {
  if (error instanceof LlmError) return error;
  if (timedOut) {
    const what = timedOut === 'first_byte' ? 'no first byte' : 'generation not finished';
    return new LlmError('timeout', `${model}: ${what} within the time limit`, { model });
  }
  if (error instanceof APIUserAbortError) {
    return new LlmError('aborted', `${model}: request aborted by the caller`, { model });
  }
  if (error instanceof APIConnectionError) {
    return new LlmError('connection', `${model}: ${error.message}`, { model });
  }
  if (error instanceof APIError && typeof error.status === 'number') {
    const status = error.status;
    const details = { status, model, retryAfterMs: retryAfterMs(error.headers) };
    if (status === 429) return new LlmError('rate_limited', `${model}: rate limited`, details);
    if (status === 529) return new LlmError('overloaded', `${model}: overloaded`, details);
    if (status === 408 || status >= 500) {
      return new LlmError('server_error', `${model}: upstream ${status}`, details);
    }
    if (status === 401 || status === 403) {
      return new LlmError('auth', `${model}: credentials rejected (${status})`, details);
    }
    return new LlmError('bad_request', `${model}: request rejected (${status})`, details);
  }
  if (error instanceof AnthropicError) {
    // The SDK's stream parser raises these when the event stream stops early.
    return new LlmError('truncated', `${model}: ${error.message}`, { model });
  }
  const message = error instanceof Error ? error.message : String(error);
  // A socket dropped mid-body surfaces as a plain fetch/stream error in workerd.
  if (/network|connection|socket|terminated|reset|closed|aborted/i.test(message)) {
    return new LlmError('truncated', `${model}: stream broke off (${message})`, { model });
  }
  return new LlmError('unknown', `${model}: ${message}`, { model });
}
