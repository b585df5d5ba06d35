// Property-based fuzzing through the app: the upload route and the search, events and chat
// request schemas. Whatever arrives, the answer is below 500 and nothing rejects unhandled.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newTenant, type TestClient } from '../helpers';
import { FUZZ_RUNS, fuzzApp, fuzzSeed, watchUnhandled } from './support';

let client: TestClient;
const fuzz = fuzzApp();
const unhandled = watchUnhandled();
const totals: Record<string, number> = {};

beforeAll(async () => {
  client = await newTenant('admin');
});
afterAll(() => {
  unhandled.stop();
  console.log(
    `[fuzz] api cases per target ${JSON.stringify(totals)}; statuses ${JSON.stringify(Object.fromEntries(fuzz.statuses))}`,
  );
});

const auth = () => ({ authorization: `Bearer ${client.key}` });

async function check(target: string, path: string, init: RequestInit) {
  const full = { ...init, headers: { ...auth(), ...(init.headers as object) } };
  try {
    new Request(`http://x${path}`, full);
  } catch {
    return { status: 0, text: '' }; // not sendable over HTTP at all (e.g. NUL in a header)
  }
  totals[target] = (totals[target] ?? 0) + 1;
  const res = await fuzz.request(path, full);
  if (res.status >= 500) throw new Error(`${target}: ${res.status} ${res.text.slice(0, 300)}`);
  return res;
}

/** Strings that have broken parsers before: encodings, controls, paths, huge, unicode edges. */
const nasty = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.constantFrom(
    '%',
    '%E0%A4%A',
    '../../etc/passwd',
    'C:\\x\\y.txt',
    '\u0000',
    '\u202e',
    '\ud800',
    '{"a":',
    '[]',
    'null',
    '0',
    '-1',
    '1e309',
    '2026-13-45',
    'x'.repeat(600),
  ),
);
/** JSON-ish values, including deep nesting and near-valid shapes. */
const jsonish = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(null, true, false, 0, -1, 1.5, 1e308, Number.MAX_SAFE_INTEGER),
    nasty,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(nasty, tie('value'), { maxKeys: 4 }),
  ),
})).value;

const json = (body: unknown) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: typeof body === 'string' ? body : JSON.stringify(body),
});

// Hundreds of requests per property: on a loaded two-core runner one property can take well
// over the suite's 30 s default, so this file gets its own bound.
describe('api fuzz', { timeout: 180_000 }, () => {
  it('upload route: raw and multipart bodies with hostile types, names and fields', async () => {
    const seed = fuzzSeed('api/upload');
    const contentType = fc.oneof(
      fc.constantFrom(
        'text/plain',
        'text/markdown',
        'text/csv',
        'application/json',
        'text/html',
        'application/pdf',
        'application/octet-stream',
        'image/png',
        '',
      ),
      nasty,
    );
    const query = fc.dictionary(
      fc.constantFrom('title', 'tags', 'metadata', 'filename', 'bogus'),
      nasty,
      { maxKeys: 4 },
    );
    const raw = fc.record({
      type: contentType,
      query,
      body: fc.oneof(nasty, fc.uint8Array({ maxLength: 500 })),
    });
    const multipart = fc.record({
      disposition: fc.array(nasty, { maxLength: 3 }),
      fields: fc.dictionary(fc.constantFrom('title', 'tags', 'metadata', 'other'), nasty, {
        maxKeys: 3,
      }),
      partType: contentType,
      body: nasty,
      boundary: fc.oneof(fc.constant('fuzzboundary'), nasty),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          raw.map((r) => ({ kind: 'raw' as const, ...r })),
          multipart.map((m) => ({ kind: 'mp' as const, ...m })),
        ),
        async (c) => {
          if (c.kind === 'raw') {
            const qs = new URLSearchParams(c.query as Record<string, string>).toString();
            await check('upload', `/v1/documents${qs ? `?${qs}` : ''}`, {
              method: 'POST',
              headers: c.type ? { 'content-type': c.type } : {},
              body: c.body,
            });
            return;
          }
          const b = 'fuzzboundary';
          const fieldParts = Object.entries(c.fields).map(
            ([k, v]) => `--${b}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`,
          );
          const body =
            fieldParts.join('') +
            `--${b}\r\nContent-Disposition: form-data; name="file"; ${c.disposition.join('; ')}\r\nContent-Type: ${c.partType}\r\n\r\n${c.body} ${Math.random()}\r\n--${b}--\r\n`;
          await check('upload', '/v1/documents', {
            method: 'POST',
            headers: { 'content-type': `multipart/form-data; boundary=${c.boundary}` },
            body,
          });
        },
      ),
      { seed, numRuns: FUZZ_RUNS },
    );
  });

  it('search: arbitrary and near-valid bodies', async () => {
    const seed = fuzzSeed('api/search');
    const nearValid = fc.record(
      {
        query: nasty,
        mode: fc.oneof(fc.constantFrom('semantic', 'keyword', 'hybrid'), nasty),
        topK: fc.oneof(fc.integer({ min: -5, max: 200 }), jsonish),
        cursor: nasty,
        filters: fc.record(
          {
            documentIds: fc.array(fc.oneof(fc.uuid(), nasty), { maxLength: 3 }),
            tags: fc.array(nasty, { maxLength: 3 }),
            metadata: fc.dictionary(nasty, jsonish, { maxKeys: 3 }),
            createdFrom: nasty,
            createdTo: fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
          },
          { requiredKeys: [] },
        ),
        fusion: fc.oneof(
          fc.record({ method: fc.constantFrom('rrf', 'convex'), k: jsonish, alpha: jsonish }),
          jsonish,
        ),
        rerank: jsonish,
        feedback: jsonish,
      },
      { requiredKeys: ['query'] },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          nearValid,
          jsonish,
          nasty.map((s) => `{"query":${s}`),
        ),
        async (body) => {
          await check('search', '/v1/search', json(body));
        },
      ),
      { seed, numRuns: FUZZ_RUNS },
    );
  });

  it('events: arbitrary and near-valid batches', async () => {
    const seed = fuzzSeed('api/events');
    const event = fc.record(
      {
        event_id: fc.oneof(fc.uuid(), nasty),
        name: fc.oneof(fc.stringMatching(/^[a-z0-9_.]{1,64}$/), nasty),
        user_id: nasty,
        timestamp: fc.oneof(
          fc
            .date({
              min: new Date(Date.now() - 86_400_000),
              max: new Date(Date.now() + 60_000),
              noInvalidDate: true,
            })
            .map((d) => d.toISOString()),
          nasty,
        ),
        properties: fc.oneof(
          jsonish,
          fc.nat({ max: 5000 }).map((n) => `${'['.repeat(n)}${']'.repeat(n)}`),
        ),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.record({ events: fc.array(event, { maxLength: 5 }) }), jsonish),
        async (body) => {
          await check('events', '/v1/events', json(body));
        },
      ),
      { seed, numRuns: FUZZ_RUNS },
    );
  });

  it('chat: conversation and one-shot answer bodies', async () => {
    const seed = fuzzSeed('api/chat');
    const scope = fc.oneof(
      fc.record(
        {
          documentIds: fc.array(fc.oneof(fc.uuid(), nasty), { maxLength: 2 }),
          tags: fc.array(nasty, { maxLength: 2 }),
          filters: jsonish,
        },
        { requiredKeys: [] },
      ),
      jsonish,
    );
    const conversation = fc.record({ title: nasty, scope }, { requiredKeys: [] });
    // Questions are mostly invalid (a valid one costs a model call against the fake provider).
    const answer = fc.record(
      { question: fc.oneof(jsonish, fc.constant(''), fc.constant(' ')), scope, stream: jsonish },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          conversation.map((b) => ['/v1/conversations', b] as const),
          answer.map((b) => ['/v1/answer', b] as const),
          fc.tuple(fc.constantFrom('/v1/conversations', '/v1/answer'), jsonish),
        ),
        async ([path, body]) => {
          await check('chat', path, json(body));
        },
      ),
      { seed, numRuns: FUZZ_RUNS },
    );
  });

  it('saw no unhandled rejection', () => {
    expect(unhandled.seen).toEqual([]);
  });
});
