import { describe, expect, it } from 'vitest';
import { Tag } from '../documents/schemas';
import {
  MAX_SUMMARY_CHARS,
  normaliseSummary,
  normaliseTag,
  normaliseTags,
  parseEnrichment,
} from './output';

describe('enrichment output', () => {
  it('reads a bare JSON reply', () => {
    expect(
      parseEnrichment('{"summary": "A pump manual.", "tags": ["pumps", "Maintenance"]}'),
    ).toEqual({
      ok: true,
      value: { summary: 'A pump manual.', suggestedTags: ['pumps', 'maintenance'] },
    });
  });

  it('reads JSON in a code fence or after a line of preamble, ignoring extra keys', () => {
    const fenced = parseEnrichment('```json\n{"summary":"S.","tags":["a"],"lang":"en"}\n```');
    expect(fenced).toEqual({ ok: true, value: { summary: 'S.', suggestedTags: ['a'] } });
    const preamble = parseEnrichment('Here is the entry:\n{"summary":"S.","tags":[]}\nDone.');
    expect(preamble).toEqual({ ok: true, value: { summary: 'S.', suggestedTags: [] } });
  });

  it.each([
    ['prose', 'This document is about pumps.'],
    ['truncated JSON', '{"summary": "A pump man'],
    ['missing tags', '{"summary": "A pump manual."}'],
    ['tags not strings', '{"summary": "A.", "tags": [1, 2]}'],
    ['summary not a string', '{"summary": ["A."], "tags": []}'],
    ['empty summary', '{"summary": "   ", "tags": ["a"]}'],
    ['an array', '[{"summary": "A.", "tags": []}]'],
  ])('refuses %s', (_, text) => {
    const parsed = parseEnrichment(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason.length).toBeGreaterThan(0);
  });

  it('normalises tags: lowercase, trimmed, hyphenated, allowed characters, deduplicated, five', () => {
    expect(
      normaliseTags([
        '  Machine Learning ',
        'machine-learning',
        '#Kubernetes',
        'C++ / Rust!',
        '',
        '—',
        'Zürich',
        'pumps',
        'valves',
        'seals',
      ]),
    ).toEqual(['machine-learning', 'kubernetes', 'c-/-rust', 'zürich', 'pumps']);
  });

  it('cuts tags at 40 characters and every result is a valid document tag', () => {
    const long = normaliseTag('an extremely long tag that keeps going well past forty chars');
    expect(long.length).toBeLessThanOrEqual(40);
    expect(long).toBe('an-extremely-long-tag-that-keeps-going');
    for (const tag of normaliseTags(['a b', 'x.y:z', 'ÄÖÜ', 'foo__bar', long])) {
      expect(Tag.safeParse(tag).success).toBe(true);
    }
  });

  it('keeps a summary to one paragraph within the limit, cut at a word', () => {
    expect(normaliseSummary('  Line one.\n\nLine   two. ')).toBe('Line one. Line two.');
    const long = normaliseSummary('word '.repeat(300));
    expect(long.length).toBeLessThanOrEqual(MAX_SUMMARY_CHARS);
    expect(long.endsWith('word…')).toBe(true);
    const parsed = parseEnrichment(JSON.stringify({ summary: 'x'.repeat(2000), tags: [] }));
    expect(parsed.ok && parsed.value.summary.length).toBe(MAX_SUMMARY_CHARS);
  });
});
