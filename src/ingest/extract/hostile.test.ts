import { describe, expect, it } from 'vitest';
import { htmlToText } from './html';
import { ExtractionError, extract } from './index';
import { buildPdf } from './testing/build-pdf';
import { docxWithParts, hostileCorpus, MIME_OF } from './testing/hostile-corpus';

// Every hostile file, straight through the extractors: each ends in its stable outcome, and
// the caps name what was crossed. (test/hostile-ingest.test.ts runs the same corpus through
// the queue beside innocent documents.)
describe('adversarial corpus (extractors)', () => {
  for (const file of hostileCorpus().filter((f) => !f.slow)) {
    it(`${file.name} → ${file.expect}${file.limit ? ` (${file.limit})` : ''}`, async () => {
      const outcome = await extract(file.bytes, file.mime).then(
        (extracted) => ({ code: 'ready', text: extracted.text, limit: undefined }),
        (error: unknown) => {
          expect(error).toBeInstanceOf(ExtractionError);
          const e = error as ExtractionError;
          return { code: e.code, text: '', limit: e.detail?.limit };
        },
      );
      expect(outcome.code).toBe(file.expect);
      if (file.limit) expect(outcome.limit).toBe(file.limit);
      if (file.expect === 'ready') expect(outcome.text.length).toBeGreaterThan(0);
    }, 120_000);
  }

  // The corpus's html-element-flood crosses the real cap (a million parser callbacks, a minute
  // under test load), so the cap itself is exercised here at a small size.
  it('html-element-flood → limits_exceeded (htmlEvents), at a small cap', async () => {
    const error = await htmlToText('<br>'.repeat(1001), { maxEvents: 1000 }).catch((e) => e);
    expect(error).toBeInstanceOf(ExtractionError);
    expect(error).toMatchObject({ code: 'limits_exceeded', detail: { limit: 'htmlEvents' } });
    expect(await htmlToText('<br>'.repeat(990) + 'ok', { maxEvents: 1000 })).toBe('ok');
  });
});

// The memory rule (`checkWorkingBytes`): a whole-file parse holds stored plus inflated bytes, so
// a small compressed file that expands is counted by what it expands to, before it expands.
describe('working bytes count inflated bytes, not stored ones', () => {
  const words = 'memory budget counts what a file inflates to '.repeat(4500); // ~200 KB
  const docx = docxWithParts({
    'word/document.xml': `<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>${words}</w:t></w:r></w:p></w:body></w:document>`,
  });
  const pdf = buildPdf([['Inflating page']], { deflate: { padding: 200_000 } });

  for (const [name, bytes, mime] of [
    ['DOCX (declared sizes)', docx, MIME_OF.docx],
    ['PDF (largest stream, measured by the guard)', pdf, MIME_OF.pdf],
  ] as const) {
    it(`${name}: a few KB stored, ~200 KB inflated, over a 100 KB ceiling → limits_exceeded (workingBytes)`, async () => {
      expect(bytes.length).toBeLessThan(20_000);
      const error = await extract(bytes, mime, { maxWorkingBytes: 100_000 }).catch((e) => e);
      expect(error).toBeInstanceOf(ExtractionError);
      expect(error).toMatchObject({
        code: 'limits_exceeded',
        detail: { limit: 'workingBytes', max: 100_000, stored: bytes.length },
      });
      expect(error.detail.inflated).toBeGreaterThan(190_000);
      // Under the default ceiling the same file is fine.
      expect((await extract(bytes, mime)).text).toMatch(/memory budget|Inflating page/);
    });
  }
});
