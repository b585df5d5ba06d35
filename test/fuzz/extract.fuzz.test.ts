// Property-based fuzzing of every extractor, called directly: generated hostile inputs built
// from each format's own syntax (and mutated real files), declared as that format. Each case
// must end as text or as an ExtractionError with a stable code: never another error (which the
// consumer would retry until the dead-letter queue) and never an unhandled rejection.
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { ExtractionError, extract } from '../../src/ingest/extract';
import { buildDocx } from '../../src/ingest/extract/testing/build-docx';
import { buildPdf } from '../../src/ingest/extract/testing/build-pdf';
import { docxWithParts, MIME_OF } from '../../src/ingest/extract/testing/hostile-corpus';
import { FUZZ_RUNS, fuzzSeed, watchUnhandled } from './support';

const enc = new TextEncoder();
const CODES = new Set([
  'encrypted_pdf',
  'corrupt_file',
  'unsupported_type',
  'no_text',
  'type_mismatch',
  'limits_exceeded',
]);
const outcomes = new Map<string, number>();

/** Strings made of a format's tokens, so the parser's own states get exercised. */
const tokens = (vocabulary: string[], maxLength = 200) =>
  fc
    .array(fc.oneof(fc.constantFrom(...vocabulary), fc.string({ maxLength: 8 })), { maxLength })
    .map((parts) => parts.join(''));

/** A real file with bytes flipped, cut or spliced: what a damaged or lying upload looks like. */
const mutated = (base: Uint8Array) =>
  fc
    .record({
      flips: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 12 }),
      cut: fc.option(fc.nat()),
      splice: fc.option(fc.uint8Array({ maxLength: 64 })),
    })
    .map(({ flips, cut, splice }) => {
      let bytes = base.slice();
      for (const [at, value] of flips) bytes[at % bytes.length] = value;
      if (cut !== null) bytes = bytes.slice(0, cut % (bytes.length + 1));
      if (splice !== null) {
        const at = Math.floor(bytes.length / 2);
        bytes = new Uint8Array([...bytes.slice(0, at), ...splice, ...bytes.slice(at)]);
      }
      return bytes;
    });

const HTML = [
  '<',
  '>',
  '</',
  '<a',
  '<div>',
  '</div>',
  '<pre>',
  '<script>',
  '</script>',
  '<!--',
  '-->',
  '"',
  "'",
  '=',
  '&amp;',
  '&#',
  ';',
  '<br>',
  '<h1>',
  '<table><tr><td>',
  ' ',
  '\n',
  '<!DOCTYPE html>',
  '<style>',
  '<![CDATA[',
];
const XML = [
  '<w:p>',
  '</w:p>',
  '<w:r>',
  '<w:t>',
  '</w:t>',
  '<w:t',
  '<w:tbl>',
  '<w:tr>',
  '<w:tc>',
  '<w:pStyle w:val="Heading1"/>',
  '<!ENTITY',
  '<!DOCTYPE',
  '&lt;',
  '&#x',
  '"',
  '/>',
  '>',
  '<',
  ' ',
];
const CSV = [',', '"', '""', '\n', '\r\n', 'a', '1', ';', '\t', ' '];
const JSON_TOKENS = [
  '{',
  '}',
  '[',
  ']',
  ':',
  ',',
  '"',
  '"k"',
  '1',
  '-1e309',
  'true',
  'null',
  '\\u0000',
  '\\',
  ' ',
];
const MD = ['#', '##', '\n', '=', '-', '*', '`', '```', '>', '[', ']', '(', ')', ' ', '    ', '|'];

const docxXml = (body: string) =>
  `<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>${body}</w:body></w:document>`;

const targets: Array<{ name: string; mime: string; input: fc.Arbitrary<Uint8Array> }> = [
  { name: 'html', mime: MIME_OF.html, input: tokens(HTML).map((s) => enc.encode(s)) },
  {
    name: 'docx',
    mime: MIME_OF.docx,
    input: fc.oneof(
      tokens(XML).map((body) => docxWithParts({ 'word/document.xml': docxXml(body) })),
      tokens(XML).map((xml) => docxWithParts({ 'word/document.xml': xml, 'word/styles.xml': xml })),
      mutated(buildDocx([{ style: 'Heading1', text: 'Title' }, { text: 'A paragraph of text.' }])),
    ),
  },
  { name: 'csv', mime: MIME_OF.csv, input: tokens(CSV, 400).map((s) => enc.encode(s)) },
  { name: 'json', mime: MIME_OF.json, input: tokens(JSON_TOKENS).map((s) => enc.encode(s)) },
  { name: 'markdown', mime: MIME_OF.markdown, input: tokens(MD).map((s) => enc.encode(s)) },
  { name: 'text', mime: MIME_OF.text, input: fc.uint8Array({ maxLength: 400 }) },
  {
    name: 'pdf',
    mime: MIME_OF.pdf,
    input: fc.oneof(
      mutated(buildPdf([['Hello hostile world'], ['Second page']])),
      mutated(buildPdf([['Compressed page']], { deflate: { padding: 64 } })),
      fc
        .uint8Array({ maxLength: 200 })
        .map((tail) => new Uint8Array([...enc.encode('%PDF-1.7\n'), ...tail])),
    ),
  },
];

describe('extractor fuzz', () => {
  const unhandled = watchUnhandled();
  afterAll(() => {
    unhandled.stop();
    console.log(`[fuzz] extract cases per outcome ${JSON.stringify(Object.fromEntries(outcomes))}`);
  });

  for (const target of targets) {
    it(`${target.name}: text or an ExtractionError with a stable code, nothing else`, async () => {
      const runs = Math.max(1, Math.floor(FUZZ_RUNS / 2));
      await fc.assert(
        fc.asyncProperty(target.input, async (bytes) => {
          const outcome = await extract(bytes, target.mime).then(
            () => 'ready',
            (error: unknown) => {
              expect(error).toBeInstanceOf(ExtractionError);
              const code = (error as ExtractionError).code;
              expect(CODES.has(code)).toBe(true);
              return code;
            },
          );
          const key = `${target.name}:${outcome}`;
          outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
        }),
        { seed: fuzzSeed(`extract/${target.name}`), numRuns: runs },
      );
      console.log(`[fuzz] extract/${target.name}: ${runs} cases`);
      expect(unhandled.seen).toEqual([]);
    }, 300_000);
  }
});
