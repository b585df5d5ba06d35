// Property-based fuzzing of the streaming multipart parser, called directly.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/errors';
import { parseMultipart } from '../../src/http/multipart';
import { FUZZ_RUNS, fuzzSeed } from './support';

const enc = new TextEncoder();

/** Feeds `bytes` as a stream cut at the given offsets (network chunking is arbitrary). */
function chunked(bytes: Uint8Array, cuts: number[]): ReadableStream<Uint8Array> {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const pieces: Uint8Array[] = [];
  let at = 0;
  for (const p of [...points, bytes.length]) {
    if (p > at) pieces.push(bytes.slice(at, p));
    at = Math.max(at, p);
  }
  return new ReadableStream({
    pull(controller) {
      const next = pieces.shift();
      if (next) controller.enqueue(next);
      else controller.close();
    },
  });
}

async function drain(body: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(body).arrayBuffer());
}

const boundaryArb = fc.stringMatching(/^[A-Za-z0-9'()+_,.\/:=?-]{1,70}$/);
const hostileParam = fc.oneof(
  fc.constant("filename*=UTF-8''%"),
  fc.constant("filename*=UTF-8''%E0%A4%A"),
  fc.constant("filename*=UTF-8''%ED%A0%80"),
  fc.constant('filename="a\r\nb"'),
  fc.string({ maxLength: 40 }).map((s) => `filename*=UTF-8''${s}`),
  fc.string({ maxLength: 40 }).map((s) => `filename="${s}"`),
  fc.string({ maxLength: 40 }).map((s) => `name=${s}`),
  fc.string({ maxLength: 80 }),
);
const headerLine = fc.oneof(
  fc
    .tuple(fc.constantFrom('form-data', 'attachment', ''), fc.array(hostileParam, { maxLength: 4 }))
    .map(([kind, params]) => `Content-Disposition: ${[kind, 'name="file"', ...params].join('; ')}`),
  fc.string({ maxLength: 60 }).map((s) => `Content-Type: ${s}`),
  fc.string({ maxLength: 100 }),
);
const part = fc.record({
  headers: fc.array(headerLine, { minLength: 0, maxLength: 4 }),
  body: fc.uint8Array({ maxLength: 300 }),
});

/** Accepts only 400 ApiErrors: anything else would be a 500 through the upload route. */
async function parseAll(stream: ReadableStream<Uint8Array>, boundary: string) {
  const out: Array<{ name: string; filename?: string; bytes: Uint8Array }> = [];
  try {
    for await (const p of parseMultipart(stream, boundary))
      out.push({ name: p.name, filename: p.filename, bytes: await drain(p.body) });
    return { ok: true as const, parts: out };
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 400) throw error;
    return { ok: false as const, parts: out };
  }
}

describe('multipart parser fuzz', () => {
  it('answers hostile bodies with parts or a 400 ApiError, never anything else', async () => {
    const seed = fuzzSeed('multipart/hostile');
    let cases = 0;
    await fc.assert(
      fc.asyncProperty(
        boundaryArb,
        fc.array(part, { maxLength: 4 }),
        fc.boolean(),
        fc.nat(),
        fc.array(fc.nat(), { maxLength: 6 }),
        fc.uint8Array({ maxLength: 50 }),
        async (boundary, parts, close, truncate, cuts, preamble) => {
          cases += 1;
          const pieces: Uint8Array[] = [preamble];
          for (const p of parts) {
            pieces.push(
              enc.encode(`\r\n--${boundary}\r\n${p.headers.join('\r\n')}\r\n\r\n`),
              p.body,
            );
          }
          if (close) pieces.push(enc.encode(`\r\n--${boundary}--\r\n`));
          let bytes = new Uint8Array(await new Blob(pieces).arrayBuffer());
          if (truncate % 3 === 0) bytes = bytes.slice(0, truncate % (bytes.length + 1));
          await parseAll(chunked(bytes, cuts), boundary);
        },
      ),
      { seed, numRuns: FUZZ_RUNS * 2 },
    );
    console.log(`[fuzz] multipart/hostile: ${cases} cases`);
  });

  it('round-trips well-formed bodies whatever the chunking', async () => {
    const seed = fuzzSeed('multipart/roundtrip');
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            name: fc.stringMatching(/^[a-z]{1,10}$/),
            filename: fc.option(fc.string({ minLength: 1, maxLength: 30 }), { nil: undefined }),
            body: fc.uint8Array({ maxLength: 2000 }),
          }),
          { minLength: 1, maxLength: 4 },
        ),
        fc.array(fc.nat(), { maxLength: 8 }),
        async (parts, cuts) => {
          const boundary = `fuzz${crypto.randomUUID()}`;
          const pieces: Uint8Array[] = [];
          for (const p of parts) {
            const file = p.filename
              ? `; filename*=UTF-8''${encodeURIComponent(p.filename.replace(/[\ud800-\udfff]/g, 'x'))}`
              : '';
            pieces.push(
              enc.encode(
                `--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"${file}\r\n\r\n`,
              ),
              p.body,
              enc.encode('\r\n'),
            );
          }
          pieces.push(enc.encode(`--${boundary}--\r\n`));
          const bytes = new Uint8Array(await new Blob(pieces).arrayBuffer());
          const result = await parseAll(chunked(bytes, cuts), boundary);
          expect(result.ok).toBe(true);
          expect(result.parts.map((p) => p.name)).toEqual(parts.map((p) => p.name));
          result.parts.forEach((p, i) => expect(p.bytes).toEqual(parts[i]!.body));
        },
      ),
      { seed, numRuns: FUZZ_RUNS },
    );
  });
});
