import type { Citation } from '../ai/answer/citations';
import type { AnswerResult, Skipped, Tier } from '../ai/llm/failover';
import type { RetrievalLeg } from '../retrieval/degrade';
import type { RetrievalTiming } from './retriever';
import type { ChatEvent } from './turn';

/** What a client sees of a turn: named SSE events, or one JSON body built from them. */
export interface RetrievalPayload {
  chunks: Array<{
    citeId: string;
    chunkId: string;
    documentId: string;
    title: string | null;
    score: number;
  }>;
  /** chunkId -> injection patterns that matched; the chunk was still used, but marked. */
  injectionFlags: Record<string, string[]>;
  latencyMs: number | null;
  /** Retrieval legs that failed for this answer; the passages come from the other one. */
  degraded: RetrievalLeg[];
}

export interface CitationPayload {
  citeId: string;
  chunkId: string | null;
  documentId: string | null;
  /** Offsets into the cited chunk's text; null when the quote could not be found there. */
  start: number | null;
  end: number | null;
  quote: string;
  verified: boolean;
}

export interface UsagePayload {
  tier: Tier;
  model: string | null;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

export interface DonePayload {
  messageId: string;
  tier: Tier;
  fallbackUsed: boolean;
  skipped: Skipped[];
  latencyMs: number;
  firstDeltaMs: number | null;
}

export type ApiChatEvent =
  | { event: 'retrieval'; data: RetrievalPayload }
  | { event: 'delta'; data: { tier: Tier; text: string } }
  /** The tier that streamed the preceding deltas failed: drop its text, another tier follows. */
  | { event: 'retract'; data: { tier: Tier; reason: string } }
  | { event: 'citation'; data: CitationPayload }
  | { event: 'usage'; data: UsagePayload }
  | { event: 'done'; data: DonePayload };

export interface AnswerBody {
  messageId: string;
  answer: string;
  citations: CitationPayload[];
  tier: Tier;
  skipped: Skipped[];
  usage: UsagePayload;
  retrieval: RetrievalPayload;
}

export const citationPayload = (c: Citation): CitationPayload => ({
  citeId: c.citeId,
  chunkId: c.chunkId,
  documentId: c.documentId,
  start: c.start,
  end: c.end,
  quote: c.quote,
  verified: c.verified,
});

/**
 * Turns the turn's internal events into the API's. `done` is sent once the answer is
 * saved, so its messageId can take feedback at once.
 */
export async function* toApiEvents(
  events: AsyncIterable<ChatEvent>,
  retrievalTiming: () => RetrievalTiming | null,
  onAnswer?: (body: AnswerBody) => void,
): AsyncGenerator<ApiChatEvent> {
  let messageId = '';
  let retrieval: RetrievalPayload | null = null;
  let result: AnswerResult | null = null;
  for await (const event of events) {
    switch (event.type) {
      case 'message':
        messageId = event.assistantMessageId;
        break;
      case 'retrieval':
        retrieval = {
          chunks: event.passages.map((p) => ({
            citeId: p.citeId,
            chunkId: p.chunkId,
            documentId: p.documentId,
            title: p.title ?? null,
            score: p.score,
          })),
          injectionFlags: event.injectionFlags,
          latencyMs: retrievalTiming()?.latencyMs ?? null,
          degraded: retrievalTiming()?.degraded ?? [],
        };
        yield { event: 'retrieval', data: retrieval };
        break;
      case 'delta':
        yield { event: 'delta', data: { tier: event.tier, text: event.text } };
        break;
      case 'retract':
        yield { event: 'retract', data: { tier: event.tier, reason: event.reason } };
        break;
      case 'skipped':
        break;
      case 'done':
        result = event.result;
        for (const citation of result.citations) {
          yield { event: 'citation', data: citationPayload(citation) };
        }
        yield { event: 'usage', data: usagePayload(result) };
        break;
      case 'saved':
        if (!result) break;
        onAnswer?.({
          messageId,
          answer: result.text,
          citations: result.citations.map(citationPayload),
          tier: result.tier,
          skipped: result.skipped,
          usage: usagePayload(result),
          retrieval: retrieval ?? { chunks: [], injectionFlags: {}, latencyMs: null, degraded: [] },
        });
        yield {
          event: 'done',
          data: {
            messageId,
            tier: result.tier,
            fallbackUsed: result.fallbackUsed,
            skipped: result.skipped,
            latencyMs: result.latencyMs,
            firstDeltaMs: result.firstDeltaMs,
          },
        };
        break;
    }
  }
}

const usagePayload = (result: AnswerResult): UsagePayload => ({
  tier: result.tier,
  model: result.model,
  inputTokens: result.usage.inputTokens,
  outputTokens: result.usage.outputTokens,
  costUsd: result.costUsd,
});

/** Runs the turn to the end and returns the non-streaming response body. */
export async function answerBody(
  events: AsyncIterable<ChatEvent>,
  retrievalTiming: () => RetrievalTiming | null,
): Promise<AnswerBody> {
  let body: AnswerBody | null = null;
  for await (const _ of toApiEvents(events, retrievalTiming, (b) => (body = b))) {
    // Only the final body matters here.
  }
  if (!body) throw new Error('the turn ended without an answer');
  return body;
}
