/**
 * Token estimate for chunk budgets, without shipping a tokenizer vocabulary to the edge.
 *
 * BPE tokenizers (cl100k, WordPiece and friends) behave predictably on English prose: common
 * words are one token, long or rare words split into pieces of roughly 4-6 characters, every
 * punctuation mark is its own token, digits group in threes, and non-Latin scripts cost far more
 * per character. The estimate follows those rules over maximal runs of one character class:
 *
 * - letter run (ASCII) of length L: 1 token up to 8 chars, then ceil(L / 5)
 *   (so "information" = 3, a deliberate over-count for rare long words)
 * - letter run containing non-ASCII letters (accents, Cyrillic, Greek...): ceil(L / 2)
 * - digit run of length L: ceil(L / 3)
 * - each punctuation or symbol character: 1
 * - each CJK / kana / hangul character (>= U+2E80): 1; each astral code point (emoji): 2
 * - whitespace: 0
 *
 * On English it lands near 1.3 tokens per word and errs on the high side, which keeps chunks
 * under an embedding model's hard input limit. Because whitespace costs nothing and every run
 * stops at a class change, the estimate is additive over pieces split at run boundaries, which
 * the chunker relies on to sum unit counts instead of re-counting text.
 */
export function estimateTokens(text: string, start = 0, end = text.length): number {
  let tokens = 0;
  let i = start;
  while (i < end) {
    const kind = KIND[text.charCodeAt(i)]!;
    if (kind === LETTER) {
      // Hot path: a run of ASCII letters (the bulk of English text).
      let j = i + 1;
      while (j < end && KIND[text.charCodeAt(j)] === LETTER) j++;
      if (j >= end || KIND[text.charCodeAt(j)] !== WIDE_LETTER) {
        tokens += letterRunTokens(j - i, false);
        i = j;
        continue;
      }
    } else if (kind === SPACE) {
      i++;
      continue;
    }
    tokens += scanRun(text, i, end);
    i = run.end;
  }
  return tokens;
}

/** End (exclusive) of the run measured by the last `scanRun` call. */
export const run = { end: 0 };

/**
 * Tokens of the run (word piece, number, symbol, CJK character...) starting at the non-space
 * character `i`; sets `run.end`. Lets other scanners count tokens in the same pass.
 */
export function scanRun(text: string, i: number, end: number): number {
  const kind = KIND[text.charCodeAt(i)]!;
  if (kind === LETTER || kind === WIDE_LETTER) {
    let nonAscii = kind === WIDE_LETTER;
    let j = i + 1;
    for (; j < end; j++) {
      const next = KIND[text.charCodeAt(j)];
      if (next === WIDE_LETTER) nonAscii = true;
      else if (next !== LETTER) break;
    }
    run.end = j;
    return letterRunTokens(j - i, nonAscii);
  }
  if (kind === DIGIT) {
    let j = i + 1;
    while (j < end && KIND[text.charCodeAt(j)] === DIGIT) j++;
    run.end = j;
    return ((j - i + 2) / 3) | 0;
  }
  if (kind === ASTRAL) {
    // High surrogate and its pair: emoji and rare scripts.
    run.end = i + 1 < end && isLowSurrogate(text.charCodeAt(i + 1)) ? i + 2 : i + 1;
    return 2;
  }
  run.end = i + 1;
  return kind === SPACE ? 0 : 1;
}

function letterRunTokens(length: number, nonAscii: boolean): number {
  if (nonAscii) return ((length + 1) / 2) | 0;
  return length <= 8 ? 1 : ((length + 4) / 5) | 0;
}

export const SPACE = 0;
export const LETTER = 1;
const DIGIT = 2;
const SYMBOL = 3;
const WIDE_LETTER = 4;
const CJK = 5;
const ASTRAL = 6;

/** Character class of every UTF-16 code unit, so the hot loops do one table load per char. */
export const KIND = new Uint8Array(65536);
for (let c = 0; c < 65536; c++) KIND[c] = classify(c);

function classify(c: number): number {
  if (c <= 32 || c === 127) return SPACE;
  if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90)) return LETTER;
  if (c >= 48 && c <= 57) return DIGIT;
  if (c < 128) return SYMBOL;
  if (c >= 0xd800 && c <= 0xdbff) return ASTRAL;
  if (c >= 0xdc00 && c <= 0xdfff) return SYMBOL; // a lone low surrogate
  if (isUnicodeSpace(c)) return SPACE;
  return c >= 0x2e80 ? CJK : WIDE_LETTER;
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

/** Whitespace as far as tokens and chunk boundaries are concerned. */
export function isSpaceCode(c: number): boolean {
  return KIND[c] === SPACE;
}

function isUnicodeSpace(c: number): boolean {
  return (
    c === 0xa0 ||
    c === 0x85 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}
