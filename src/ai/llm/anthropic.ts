import Anthropic from '@anthropic-ai/sdk';
import { toLlmError } from './errors';
import { DEFAULT_TIMEOUTS, totalTimeoutMs, type TimeoutPolicy } from './timeouts';
import { LlmError, type LlmClient, type LlmEvent, type LlmRequest } from './types';

export interface AnthropicClientOptions {
  apiKey: string;
  baseURL?: string;
  timeouts?: Partial<TimeoutPolicy>;
}

/**
 * The Anthropic Messages API behind the `LlmClient` port. The SDK's own retries are off:
 * retry and failover decisions belong to the failover chain, which sees every attempt.
 */
export function createAnthropicClient(options: AnthropicClientOptions): LlmClient {
  const policy: TimeoutPolicy = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
  return {
    stream(request) {
      const totalMs = totalTimeoutMs(policy, request.maxTokens);
      const client = new Anthropic({
        apiKey: options.apiKey,
        baseURL: options.baseURL,
        maxRetries: 0,
        // A backstop only: our own timers below fire first and say which limit was hit.
        timeout: totalMs + 1_000,
      });
      return streamMessages(client, request, policy.firstByteMs, totalMs);
    },
  };
}

async function* streamMessages(
  client: Anthropic,
  request: LlmRequest,
  firstByteMs: number,
  totalMs: number,
): AsyncGenerator<LlmEvent> {
  const controller = new AbortController();
  let timedOut: 'first_byte' | 'total' | null = null;
  const expire = (which: 'first_byte' | 'total') => () => {
    timedOut ??= which;
    controller.abort();
  };
  const firstByteTimer = setTimeout(expire('first_byte'), firstByteMs);
  const totalTimer = setTimeout(expire('total'), totalMs);
  const onCallerAbort = () => controller.abort();
  request.signal?.addEventListener('abort', onCallerAbort);

  let inputTokens = 0;
  let outputTokens = 0;
  let stopReason: string | null = null;
  let model = request.model;
  let stopped = false;
  try {
    if (request.signal?.aborted) throw new LlmError('aborted', `${model}: aborted before start`);
    const stream = client.messages.stream(
      {
        model: request.model,
        system: request.system,
        messages: request.messages,
        max_tokens: request.maxTokens,
        ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
      },
      { signal: controller.signal },
    );
    for await (const event of stream) {
      clearTimeout(firstByteTimer);
      switch (event.type) {
        case 'message_start':
          model = event.message.model;
          inputTokens = event.message.usage.input_tokens;
          outputTokens = event.message.usage.output_tokens;
          break;
        case 'content_block_delta':
          if (event.delta.type === 'text_delta' && event.delta.text) {
            yield { type: 'delta', text: event.delta.text };
          }
          break;
        case 'message_delta':
          stopReason = event.delta.stop_reason ?? stopReason;
          outputTokens = event.usage.output_tokens ?? outputTokens;
          break;
        case 'message_stop':
          stopped = true;
          break;
      }
    }
    if (!stopped) throw new LlmError('truncated', `${model}: stream ended before message_stop`);
    yield {
      type: 'done',
      usage: { inputTokens, outputTokens },
      stopReason: stopReason ?? 'end_turn',
      model,
    };
  } catch (error) {
    throw toLlmError(error, request.model, timedOut);
  } finally {
    clearTimeout(firstByteTimer);
    clearTimeout(totalTimer);
    request.signal?.removeEventListener('abort', onCallerAbort);
    // A consumer that stops early (return()) must not leave the request running.
    if (!stopped) controller.abort();
  }
}

/** The configured client, or null when no API key is set (answers degrade to extractive). */
export function anthropicFromConfig(
  config: { apiKey: string | null; baseURL?: string },
  timeouts?: Partial<TimeoutPolicy>,
): LlmClient | null {
  if (!config.apiKey) return null;
  return createAnthropicClient({ apiKey: config.apiKey, baseURL: config.baseURL, timeouts });
}
