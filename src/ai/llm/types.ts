/** Provider-neutral text generation. The Anthropic adapter is one implementation. */
export interface LlmMessage {
  role: 'user' | 'assistant';
  content: string;
}

export interface LlmRequest {
  model: string;
  system: string;
  messages: LlmMessage[];
  maxTokens: number;
  temperature?: number;
  /** The caller's cancellation (client went away); distinct from the adapter's timeouts. */
  signal?: AbortSignal;
}

export interface LlmUsage {
  inputTokens: number;
  outputTokens: number;
}

export type LlmEvent =
  | { type: 'delta'; text: string }
  | { type: 'done'; usage: LlmUsage; stopReason: string; model: string };

export interface LlmClient {
  /** Yields text deltas then exactly one `done`; throws `LlmError` on any failure. */
  stream(request: LlmRequest): AsyncIterable<LlmEvent>;
}

export type LlmErrorKind =
  | 'rate_limited'
  | 'overloaded'
  | 'server_error'
  | 'timeout'
  | 'connection'
  | 'truncated'
  | 'aborted'
  | 'auth'
  | 'bad_request'
  | 'unknown';

const RETRYABLE: ReadonlySet<LlmErrorKind> = new Set([
  'rate_limited',
  'overloaded',
  'server_error',
  'timeout',
  'connection',
  'truncated',
]);

/** Every failure of an `LlmClient`, classified so failover can decide what to do next. */
export class LlmError extends Error {
  readonly retryable: boolean;

  constructor(
    readonly kind: LlmErrorKind,
    message: string,
    readonly details: { status?: number; retryAfterMs?: number; model?: string } = {},
  ) {
    super(message);
    this.name = 'LlmError';
    this.retryable = RETRYABLE.has(kind);
  }
}
