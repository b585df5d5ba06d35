// A local stand-in for the Anthropic Messages API (`POST /v1/messages`), used by tests and
// offline dev. It speaks the real wire format (JSON and SSE), estimates usage from the
// request, and writes a grounded answer: it reads the <passage> blocks of the prompt, picks
// the sentence that best matches the <question>, and cites it as [id: "quote"]. Asked to
// catalogue a <document> (enrichment), it replies with JSON {summary, tags}: the document's
// first sentences and its most frequent words.
//
// Behaviour is scriptable over HTTP so tests running inside workerd can drive failures:
//   POST /__script   { apiKey?, model?, behaviours: [Behaviour, ...] }  queue per key+model
//   POST /__reset    { apiKey? }                                        clear queues and log
//   GET  /__requests ?apiKey=                                           what was received
// A Behaviour is consumed by one request and may combine:
//   { status: 429|500|529|..., retryAfter?: seconds, retryAfterMs?: ms, message? }
//   { delayMs }              wait before the first byte
//   { chunkDelayMs }         wait between streamed chunks
//   { truncateAfterChunks }  drop the connection after N text chunks
//   { text }                 answer with this text instead of the grounded one
// Scripts are scoped by the caller's API key, so concurrent test files do not collide.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One scripted reply; consumed by one request (see the header). */
export interface Behaviour {
  status?: number;
  retryAfter?: number;
  retryAfterMs?: number;
  message?: string;
  delayMs?: number;
  chunkDelayMs?: number;
  truncateAfterChunks?: number;
  text?: string;
}

/** The Messages API request fields the fake reads. */
interface MessagesBody {
  model?: string;
  max_tokens?: number;
  stream?: boolean;
  system?: string | Array<{ text?: string }>;
  messages?: Array<{ role?: string; content?: string | Array<{ type?: string; text?: string }> }>;
}

/** What the fake received, as `GET /__requests` returns it. */
export interface ReceivedRequest {
  apiKey: string | undefined;
  model: string | undefined;
  max_tokens: number | undefined;
  stream: boolean;
  system: MessagesBody['system'];
  messages: MessagesBody['messages'];
  at: number;
}

export interface ScriptRequest {
  apiKey?: string;
  model?: string;
  behaviours: Behaviour[];
}

export interface FakeAnthropic {
  url: string;
  script(request: ScriptRequest): void;
  reset(apiKey?: string): void;
  requests(): ReceivedRequest[];
  stop(): Promise<void>;
}

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};

const STOPWORDS = new Set(
  'a an and are as at be by do does for from how in is it of on or the to was what when where which who why with'.split(
    ' ',
  ),
);

/** Rough token estimate (~4 characters a token), the same rule the client uses. */
export function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

function requestText(body: MessagesBody) {
  const system =
    typeof body.system === 'string'
      ? body.system
      : Array.isArray(body.system)
        ? body.system.map((b) => b.text ?? '').join('\n')
        : '';
  const messages = (body.messages ?? [])
    .map((m) =>
      typeof m.content === 'string'
        ? m.content
        : (m.content ?? []).map((b) => (b.type === 'text' ? b.text : '')).join('\n'),
    )
    .join('\n');
  return { system, messages, all: `${system}\n${messages}` };
}

function unescapeAttr(value: string): string {
  return value
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

function parsePassages(text: string): Array<{ id: string; text: string }> {
  const passages: Array<{ id: string; text: string }> = [];
  const re = /<passage\s+([^>]*)>([\s\S]*?)<\/passage>/g;
  for (const match of text.matchAll(re)) {
    const attrs = Object.fromEntries(
      [...match[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((a) => [a[1]!, unescapeAttr(a[2]!)]),
    );
    if (attrs.id) passages.push({ id: attrs.id, text: match[2]!.trim() });
  }
  return passages;
}

function terms(text: string): Set<string> {
  return new Set(
    text
      .toLowerCase()
      .split(/[^\p{L}\p{N}]+/u)
      .filter((t) => t.length > 1 && !STOPWORDS.has(t)),
  );
}

function sentences(text: string): string[] {
  return (text.match(/[^.!?\n]+[.!?]?/g) ?? []).map((s) => s.trim()).filter((s) => s.length > 0);
}

/** An enrichment reply: the first two sentences and the three most frequent longer words. */
export function enrichmentAnswer(documentText: string): string {
  const plain = documentText.replace(/^#+\s*/gm, '').replace(/<[^>]+>/g, ' ');
  const summary = sentences(plain).slice(0, 2).join(' ') || 'An empty document.';
  const counts = new Map<string, number>();
  for (const word of plain.toLowerCase().split(/[^\p{L}]+/u)) {
    if (word.length > 3 && !STOPWORDS.has(word)) counts.set(word, (counts.get(word) ?? 0) + 1);
  }
  const tags = [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, 3)
    .map(([word]) => word);
  return JSON.stringify({ summary, tags });
}

/** The grounded answer: quote the best-matching sentence and cite it. */
export function groundedAnswer(body: MessagesBody): string {
  const { messages, all } = requestText(body);
  const document = /<document\b[^>]*>([\s\S]*?)<\/document>/.exec(messages);
  if (document) return enrichmentAnswer(document[1]!);
  const passages = parsePassages(all);
  const question = /<question>([\s\S]*?)<\/question>/.exec(messages)?.[1]?.trim() ?? messages;
  if (passages.length === 0) {
    // Not a retrieval prompt (e.g. a summary request): condense the last message.
    const last = sentences(messages.replace(/<[^>]+>/g, ' '))
      .slice(0, 3)
      .join(' ');
    return last ? `Summary: ${last}` : 'I have nothing to go on.';
  }
  const wanted = terms(question);
  const first = passages[0]!;
  let best = { score: -1, id: first.id, sentence: sentences(first.text)[0] ?? '' };
  passages.forEach((passage, rank) => {
    for (const sentence of sentences(passage.text)) {
      let overlap = 0;
      for (const t of terms(sentence)) if (wanted.has(t)) overlap += 1;
      const score = overlap - rank * 0.01;
      if (score > best.score) best = { score, id: passage.id, sentence };
    }
  });
  return `Based on the provided documents: ${best.sentence} [${best.id}: "${best.sentence}"]`;
}

/** Splits text into word-ish chunks the way a model streams tokens. */
function chunk(text: string): string[] {
  return text.match(/\S+\s*|\s+/g) ?? [];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function startFakeAnthropic({
  port = 0,
  host = '127.0.0.1',
}: { port?: number; host?: string } = {}): Promise<FakeAnthropic> {
  /** key `${apiKey}|${model}` (either part may be '*') -> Behaviour[] */
  const queues = new Map<string, Behaviour[]>();
  const requests: ReceivedRequest[] = [];
  let counter = 0;

  const queueKey = (apiKey: string | undefined, model: string | undefined) =>
    `${apiKey ?? '*'}|${model ?? '*'}`;

  function script({ apiKey, model, behaviours }: ScriptRequest) {
    const key = queueKey(apiKey, model);
    queues.set(key, [...(queues.get(key) ?? []), ...behaviours]);
  }

  function reset(apiKey?: string) {
    if (!apiKey) {
      queues.clear();
      requests.length = 0;
      return;
    }
    for (const key of [...queues.keys()]) if (key.startsWith(`${apiKey}|`)) queues.delete(key);
    for (let i = requests.length - 1; i >= 0; i -= 1) {
      if (requests[i]!.apiKey === apiKey) requests.splice(i, 1);
    }
  }

  function nextBehaviour(apiKey: string, model: string): Behaviour {
    for (const key of [
      queueKey(apiKey, model),
      queueKey(apiKey, '*'),
      queueKey('*', model),
      queueKey('*', '*'),
    ]) {
      const queue = queues.get(key);
      if (queue?.length) return queue.shift()!;
    }
    return {};
  }

  function readJson<T>(req: IncomingMessage): Promise<T> {
    return new Promise((resolve, reject) => {
      const parts: Buffer[] = [];
      req.on('data', (d: Buffer) => parts.push(d));
      req.on('end', () => {
        try {
          resolve(parts.length ? JSON.parse(Buffer.concat(parts).toString('utf8')) : ({} as T));
        } catch (error) {
          reject(error);
        }
      });
      req.on('error', reject);
    });
  }

  type Headers = Record<string, string>;

  function sendJson(res: ServerResponse, status: number, body: unknown, headers: Headers = {}) {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  }

  function sendError(res: ServerResponse, status: number, message: string, headers: Headers = {}) {
    sendJson(
      res,
      status,
      { type: 'error', error: { type: ERROR_TYPES[status] ?? 'api_error', message } },
      headers,
    );
  }

  async function handleMessages(req: IncomingMessage, res: ServerResponse) {
    const auth = req.headers['x-api-key'] ?? req.headers.authorization?.replace(/^Bearer\s+/i, '');
    const body = await readJson<MessagesBody>(req);
    const apiKey = typeof auth === 'string' ? auth : undefined;
    requests.push({
      apiKey,
      model: body.model,
      max_tokens: body.max_tokens,
      stream: Boolean(body.stream),
      system: body.system,
      messages: body.messages,
      at: Date.now(),
    });
    if (!apiKey) return sendError(res, 401, 'missing api key');
    if (!body.model || !Array.isArray(body.messages) || typeof body.max_tokens !== 'number') {
      return sendError(res, 400, 'model, messages and max_tokens are required');
    }

    const maxTokens = body.max_tokens;
    const behaviour = nextBehaviour(apiKey, body.model);
    if (behaviour.delayMs) await sleep(behaviour.delayMs);
    if (behaviour.status && behaviour.status >= 400) {
      const headers: Headers = {};
      if (behaviour.retryAfter !== undefined) headers['retry-after'] = String(behaviour.retryAfter);
      if (behaviour.retryAfterMs !== undefined) {
        headers['retry-after-ms'] = String(behaviour.retryAfterMs);
      }
      return sendError(res, behaviour.status, behaviour.message ?? 'scripted failure', headers);
    }

    const id = `msg_fake_${(counter += 1).toString().padStart(6, '0')}`;
    const inputTokens = estimateTokens(requestText(body).all);
    let text = behaviour.text ?? groundedAnswer(body);
    let stopReason = 'end_turn';
    // Respect max_tokens like the real API: cut the text and say why.
    if (estimateTokens(text) > maxTokens) {
      text = text.slice(0, maxTokens * 4);
      stopReason = 'max_tokens';
    }
    const outputTokens = estimateTokens(text);
    const headers = { 'request-id': `req_fake_${counter}` };

    if (!body.stream) {
      return sendJson(
        res,
        200,
        {
          id,
          type: 'message',
          role: 'assistant',
          model: body.model,
          content: [{ type: 'text', text }],
          stop_reason: stopReason,
          stop_sequence: null,
          usage: { input_tokens: inputTokens, output_tokens: outputTokens },
        },
        headers,
      );
    }

    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      ...headers,
    });
    const send = (event: string, data: unknown) =>
      res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    send('message_start', {
      type: 'message_start',
      message: {
        id,
        type: 'message',
        role: 'assistant',
        model: body.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: inputTokens, output_tokens: 1 },
      },
    });
    send('content_block_start', {
      type: 'content_block_start',
      index: 0,
      content_block: { type: 'text', text: '' },
    });
    send('ping', { type: 'ping' });
    const pieces = chunk(text);
    for (let i = 0; i < pieces.length; i += 1) {
      if (behaviour.truncateAfterChunks !== undefined && i >= behaviour.truncateAfterChunks) {
        // Flush what was sent, then cut the connection without the final chunk.
        await new Promise((resolve) => res.write(': connection lost\n\n', resolve));
        await sleep(10);
        res.socket?.destroy();
        return;
      }
      if (behaviour.chunkDelayMs) await sleep(behaviour.chunkDelayMs);
      if (res.destroyed) return;
      send('content_block_delta', {
        type: 'content_block_delta',
        index: 0,
        delta: { type: 'text_delta', text: pieces[i] },
      });
    }
    send('content_block_stop', { type: 'content_block_stop', index: 0 });
    send('message_delta', {
      type: 'message_delta',
      delta: { stop_reason: stopReason, stop_sequence: null },
      usage: { output_tokens: outputTokens },
    });
    send('message_stop', { type: 'message_stop' });
    res.end();
  }

  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://fake');
      if (req.method === 'POST' && url.pathname === '/v1/messages')
        return await handleMessages(req, res);
      if (req.method === 'POST' && url.pathname === '/__script') {
        script(await readJson<ScriptRequest>(req));
        return sendJson(res, 200, { ok: true });
      }
      if (req.method === 'POST' && url.pathname === '/__reset') {
        reset((await readJson<{ apiKey?: string }>(req)).apiKey);
        return sendJson(res, 200, { ok: true });
      }
      if (req.method === 'GET' && url.pathname === '/__requests') {
        const apiKey = url.searchParams.get('apiKey');
        return sendJson(res, 200, {
          requests: apiKey ? requests.filter((r) => r.apiKey === apiKey) : requests,
        });
      }
      return sendError(res, 404, `no route ${req.method} ${url.pathname}`);
    } catch (error) {
      if (!res.headersSent) sendError(res, 500, String(error));
      else res.destroy();
    }
  });
  // Idle keep-alive sockets stay open well past any pause in a test. At 1 s, a worker reusing
  // its pooled socket just as the server closed it got "Network connection lost" (seen once in
  // CI under load, on GET /__requests). stop() closes every socket, so none holds the process
  // open at shutdown.
  server.keepAliveTimeout = 65_000;

  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const address = server.address() as AddressInfo;
  const url = `http://${host}:${address.port}`;
  return {
    url,
    script,
    reset,
    requests: () => [...requests],
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

// `npx tsx scripts/lib/fake-anthropic.ts [port]` runs it standalone (offline dev).
if (import.meta.url === `file://${process.argv[1]}`) {
  const fake = await startFakeAnthropic({ port: Number(process.argv[2] ?? 0) });
  console.log(`fake Anthropic Messages API on ${fake.url}`);
  process.on('SIGINT', () => fake.stop().then(() => process.exit(0)));
}
