import { ApiError } from '../errors';
import { answerBody, toApiEvents } from './turn-stream';
import type { AnswerTurn, Delivery } from './ask';
import { sseStream } from './sse';

/** A failure mid-stream, as the `error` event says it: an ApiError's own words, else a generic one. */
const describeStreamError = (error: unknown) =>
  error instanceof ApiError
    ? { code: error.code, message: error.message }
    : { code: 'internal_error', message: 'the answer could not be completed' };

const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  // Proxies that buffer (nginx) would hold the deltas back until the answer ends.
  'x-accel-buffering': 'no',
};

/**
 * Writes a turn's answer: named SSE events as they happen, or, once the turn has ended, one
 * JSON body (a failure before then is an ordinary error response).
 */
export async function answerResponse(turn: AnswerTurn, delivery: Delivery): Promise<Response> {
  if (!delivery.stream) {
    return Response.json(await answerBody(turn.events, turn.timing), { status: 200 });
  }
  const body = sseStream(toApiEvents(turn.events, turn.timing), describeStreamError);
  return new Response(body, { status: 200, headers: SSE_HEADERS });
}
