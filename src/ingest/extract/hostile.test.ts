import { describe, expect, it } from 'vitest';
import { htmlToText } from './html';
import { ExtractionError, extract } from './index';
import { hostileCorpus } from './testing/hostile-corpus';

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
