import { describe, expect, it } from 'vitest';
import { clipToTokens, countBreaks, estimateTokens, isSpaceCode, newBreaks } from './tokens';

describe('estimateTokens', () => {
  it('counts short words as one token and ignores whitespace', () => {
    expect(estimateTokens('')).toBe(0);
    expect(estimateTokens('   \n\t ')).toBe(0);
    expect(estimateTokens('the cat sat')).toBe(3);
    expect(estimateTokens('  the   cat  ')).toBe(2);
  });

  it('splits long words into pieces of about five characters', () => {
    expect(estimateTokens('aerodyna')).toBe(1); // 8 letters
    expect(estimateTokens('aerodynamics')).toBe(3); // 12 letters → ceil(12 / 5)
    expect(estimateTokens('a'.repeat(50))).toBe(10);
  });

  it('counts each punctuation mark and groups digits by three', () => {
    expect(estimateTokens('Hello, world!')).toBe(4);
    expect(estimateTokens('1234567')).toBe(3);
    expect(estimateTokens('$3,400')).toBe(4); // $ 3 , 400
  });

  it('costs more for non-Latin scripts and emoji', () => {
    expect(estimateTokens('café')).toBe(2); // non-ASCII run of 4 → ceil(4 / 2)
    expect(estimateTokens('東京は日本')).toBe(5);
    expect(estimateTokens('😀🎉')).toBe(4);
  });

  it('lands near 1.3 tokens per word on English prose', () => {
    const prose =
      'The committee reviewed the proposal carefully, noting that the experimental results ' +
      'were consistent with earlier measurements. However, several members questioned whether ' +
      'the sample size was large enough to support the conclusions drawn in the final report.';
    const words = prose.split(/\s+/).length;
    const ratio = estimateTokens(prose) / words;
    expect(ratio).toBeGreaterThan(1.1);
    expect(ratio).toBeLessThan(1.6);
  });

  it('is additive over pieces split at whitespace', () => {
    const text = 'Alpha beta, gamma-delta 12345 épée 東京 😀 end.';
    const whole = estimateTokens(text);
    for (let cut = 0; cut <= text.length; cut++) {
      if (cut > 0 && cut < text.length && !isSpaceCode(text.charCodeAt(cut))) continue;
      expect(estimateTokens(text, 0, cut) + estimateTokens(text, cut)).toBe(whole);
    }
  });

  it('counts a range of the string without slicing', () => {
    expect(estimateTokens('xx hello world yy', 3, 14)).toBe(estimateTokens('hello world'));
  });

  it('counts long letter runs exactly, also when a non-ASCII letter continues one', () => {
    expect(estimateTokens('a'.repeat(64))).toBe(13);
    expect(estimateTokens('a'.repeat(70))).toBe(14);
    expect(estimateTokens('a'.repeat(1001))).toBe(201);
    expect(estimateTokens(`${'a'.repeat(70)}é`)).toBe(36); // one non-ASCII run of 71
    expect(estimateTokens(`x ${'a'.repeat(70)}éa, b`)).toBe(1 + 36 + 1 + 1);
    expect(estimateTokens(`${'a'.repeat(70)}é`, 60)).toBe(6); // the range starts a run
  });
});

/** The rules of the doc comment read directly, one maximal run at a time. */
function referenceEstimate(text: string): number {
  const isAsciiLetter = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
  const isDigit = (c: number) => c >= 48 && c <= 57;
  const isWideLetter = (c: number) =>
    c >= 128 && c < 0x2e80 && !isSpaceCode(c) && (c < 0xd800 || c > 0xdfff);
  const isLetter = (c: number) => isAsciiLetter(c) || isWideLetter(c);
  let tokens = 0;
  for (let i = 0; i < text.length;) {
    const c = text.charCodeAt(i);
    let j = i + 1;
    if (isLetter(c)) {
      while (j < text.length && isLetter(text.charCodeAt(j))) j++;
      const run = text.slice(i, j);
      const length = j - i;
      if (/^[A-Za-z]+$/.test(run)) tokens += length <= 8 ? 1 : Math.ceil(length / 5);
      else tokens += Math.ceil(length / 2);
    } else if (isDigit(c)) {
      while (j < text.length && isDigit(text.charCodeAt(j))) j++;
      tokens += Math.ceil((j - i) / 3);
    } else if (c >= 0xd800 && c <= 0xdbff) {
      if (j < text.length && text.charCodeAt(j) >= 0xdc00 && text.charCodeAt(j) <= 0xdfff) j++;
      tokens += 2; // astral code point (or a lone high surrogate)
    } else if (!isSpaceCode(c)) tokens += 1; // symbol, CJK, lone low surrogate
    i = j;
  }
  return tokens;
}

describe('estimateTokens against the documented rules', () => {
  it('agrees on generated text of every character class', () => {
    const pieces = [
      'a',
      'Wing',
      'aerodynamically',
      'z'.repeat(70),
      '42',
      '1947',
      '.',
      '!',
      '?',
      ',',
      '-',
      ' ',
      '  ',
      '\n',
      '\t',
      '\u00a0',
      'café',
      'naïve',
      'Ж',
      '東京',
      '。',
      '😀',
      '\ud83d',
      '\ude00',
      '\u2019',
      '\u3000',
    ];
    let seed = 7;
    const next = () => (seed = (seed * 48271) % 2147483647);
    for (let round = 0; round < 300; round++) {
      const text = Array.from({ length: next() % 60 }, () => pieces[next() % pieces.length]).join(
        '',
      );
      expect(estimateTokens(text)).toBe(referenceEstimate(text));
    }
  });
});

describe('countBreaks', () => {
  it('records line feeds and sentence marks with the estimate before each', () => {
    const text = 'One 3.5 sentence! Two?\nthree 東京。 four';
    const breaks = newBreaks();
    expect(countBreaks(text, 0, text.length, breaks)).toBe(estimateTokens(text));
    const found = breaks.at.slice(0, breaks.count);
    expect(found.map((i) => text[i])).toEqual(['.', '!', '?', '\n', '。']);
    found.forEach((at, k) => expect(breaks.before[k]).toBe(estimateTokens(text, 0, at)));
    expect(countBreaks(text, 8, 22, breaks)).toBe(estimateTokens(text, 8, 22));
    expect(breaks.at.slice(0, breaks.count)).toEqual([16, 21]);
    expect(breaks.before.slice(0, breaks.count)).toEqual([1, 3]); // "sentence" | "!" "Two"
  });
});

describe('clipToTokens', () => {
  it('returns text within the budget unchanged, and nothing for a zero budget', () => {
    expect(clipToTokens('lift of a swept wing', 5)).toBe('lift of a swept wing');
    expect(clipToTokens('lift of a swept wing', 0)).toBe('');
  });

  it('cuts to the longest prefix within the budget, at a word boundary', () => {
    const text = 'wing flutter '.repeat(1000);
    const clipped = clipToTokens(text, 512);
    expect(estimateTokens(clipped)).toBe(512);
    expect(text.startsWith(clipped)).toBe(true);
    expect(clipped.endsWith('flutter')).toBe(true);
  });

  it('counts tokens, not characters: long words and CJK cost more per character', () => {
    expect(
      estimateTokens(clipToTokens('aerothermodynamics '.repeat(100), 100)),
    ).toBeLessThanOrEqual(100);
    expect(clipToTokens('翼'.repeat(1000), 10)).toBe('翼'.repeat(10));
  });
});
