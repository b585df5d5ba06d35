import { describe, expect, it } from 'vitest';
import { samplePassages } from '../../../test/chat/passages';
import { locateQuote, normaliseForMatch, parseCitations, verifyCitations } from './citations';

describe('citations', () => {
  it('parses the citation syntax, straight or curly quotes', () => {
    const found = parseCitations('A [c1: "x y"] and B [c2: “z”].');
    expect(found.map((f) => [f.citeId, f.quote])).toEqual([
      ['c1', 'x y'],
      ['c2', 'z'],
    ]);
    expect('A [c1: "x y"] and'.slice(found[0]!.answerStart, found[0]!.answerEnd)).toBe(
      '[c1: "x y"]',
    );
  });

  it('verifies a real span and reports exact offsets into the chunk text', () => {
    const passages = samplePassages();
    const answer = 'You have a month [c1: "request a refund within 30 days"].';
    const [citation] = verifyCitations(answer, passages);
    const text = passages[0]!.text;
    expect(citation).toMatchObject({
      chunkId: 'chunk-refunds',
      documentId: 'doc-policy',
      verified: true,
    });
    expect(text.slice(citation!.start!, citation!.end!)).toBe('request a refund within 30 days');
  });

  it('matches across whitespace, case and quote differences but reports original offsets', () => {
    const text = 'He said “don’t  panic”\n and   LEFT.';
    const span = locateQuote(text, `"don't panic" and left`);
    expect(span).not.toBeNull();
    expect(text.slice(span!.start, span!.end)).toBe('“don’t  panic”\n and   LEFT');
  });

  it('keeps offsets right after astral characters', () => {
    const text = 'Rocket 🚀 launch at dawn.';
    const span = locateQuote(text, 'launch at dawn');
    expect(text.slice(span!.start, span!.end)).toBe('launch at dawn');
  });

  it('marks a fabricated span and an unknown passage id as unverified', () => {
    const passages = samplePassages();
    const answer =
      'Refunds take 90 days [c1: "refunds within 90 days"]. Also [c9: "Orders ship within two business days"].';
    const citations = verifyCitations(answer, passages);
    expect(citations.map((c) => c.verified)).toEqual([false, false]);
    expect(citations[0]).toMatchObject({ chunkId: 'chunk-refunds', start: null, end: null });
    expect(citations[1]).toMatchObject({ chunkId: null, documentId: null });
  });

  it('does not verify a span quoted from a different passage', () => {
    const [citation] = verifyCitations(
      '[c1: "Orders ship within two business days"]',
      samplePassages(),
    );
    expect(citation!.verified).toBe(false);
  });

  it('normalises with an origin map as long as the normalised text', () => {
    const { norm, origin } = normaliseForMatch('  a…b  ');
    expect(norm).toBe('a...b');
    expect(origin).toHaveLength(norm.length + 1);
  });
});
