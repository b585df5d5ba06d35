import { beforeAll, describe, expect, it } from 'vitest';
import { MAX_QUERY_CHARS } from '../src/search/schemas';
import { newTenant, uploadText, type TestClient } from './helpers';
import { poll } from './support/poll';

let client: TestClient;
let wingId: string;

beforeAll(async () => {
  client = await newTenant('editor', 'long-query');
  const wing = await uploadText(
    client,
    '# Wing design\n\nSupersonic wings use thin airfoils to reduce wave drag at high Mach numbers.',
    '?title=wing',
    'text/markdown',
  );
  await uploadText(
    client,
    '# Baking\n\nA sponge cake needs eggs, flour and sugar folded gently together.',
    '?title=cake',
    'text/markdown',
  );
  wingId = wing.body.document.id;
  await poll(
    'both documents to be ready',
    async () => {
      const { body } = await client.json('/v1/documents?status=ready&limit=10');
      return body.data.length === 2 ? true : undefined;
    },
    { timeoutMs: 30_000 },
  );
}, 60_000);

/** JSON with every non-ASCII character \u-escaped, as some clients send it. */
const escapedJson = (value: unknown) =>
  JSON.stringify(value).replace(
    /[^\x00-\x7f]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );

const search = (body: string) =>
  client.json('/v1/search', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });

/**
 * A question of exactly `length` characters: the topic first, then pasted context in Greek, so
 * that \u-escaped it weighs about 5 bytes a character.
 */
function longQuery(length: number, filler = ' αεροδυναμική πτέρυγα κύμα') {
  let text = 'supersonic wing wave drag';
  while (text.length < length) text += filler;
  return text.slice(0, length);
}

describe('long queries on /v1/search', () => {
  it.each(['keyword', 'semantic', 'hybrid'])(
    'accepts a %s query of 16,000 characters, \\u-escaped, and still ranks the topic first',
    async (mode) => {
      const query = longQuery(MAX_QUERY_CHARS);
      const body = escapedJson({ query, mode, topK: 5 });
      expect(body.length).toBeGreaterThan(64 * 1024); // past the default JSON body limit
      const res = await search(body);
      expect(res.status).toBe(200);
      expect(res.body.results[0].documentId).toBe(wingId);
    },
  );

  it('refuses a query one character over the cap with validation_failed', async () => {
    const res = await search(JSON.stringify({ query: longQuery(MAX_QUERY_CHARS + 1) }));
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(MAX_QUERY_CHARS).toBe(16_000);
  });
});
