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
    const c = text.charCodeAt(i);
    const kind = c < 128 ? ASCII_KIND[c]! : wideKind(c);
    if (kind === SPACE) {
      i++;
    } else if (kind === SYMBOL) {
      tokens++;
      i++;
    } else if (kind === DIGIT) {
      let j = i + 1;
      while (j < end && isDigit(text.charCodeAt(j))) j++;
      tokens += Math.ceil((j - i) / 3);
      i = j;
    } else if (kind === LETTER || kind === WIDE_LETTER) {
      let nonAscii = kind === WIDE_LETTER;
      let j = i + 1;
      for (; j < end; j++) {
        const d = text.charCodeAt(j);
        if (d < 128) {
          if (ASCII_KIND[d] !== LETTER) break;
        } else if (wideKind(d) === WIDE_LETTER) nonAscii = true;
        else break;
      }
      const length = j - i;
      tokens += nonAscii ? Math.ceil(length / 2) : length <= 8 ? 1 : Math.ceil(length / 5);
      i = j;
    } else if (kind === CJK) {
      tokens++;
      i++;
    } else {
      // Astral code point (high surrogate + its pair): emoji and rare scripts.
      tokens += 2;
      i += i + 1 < end && isLowSurrogate(text.charCodeAt(i + 1)) ? 2 : 1;
    }
  }
  return tokens;
}

const SPACE = 0;
const LETTER = 1;
const DIGIT = 2;
const SYMBOL = 3;
const WIDE_LETTER = 4;
const CJK = 5;
const ASTRAL = 6;

const ASCII_KIND = new Uint8Array(128).map((_, c) =>
  c <= 32 || c === 127
    ? SPACE
    : (c >= 97 && c <= 122) || (c >= 65 && c <= 90)
      ? LETTER
      : c >= 48 && c <= 57
        ? DIGIT
        : SYMBOL,
);

function wideKind(c: number): number {
  if (c >= 0xd800 && c <= 0xdfff) return c <= 0xdbff ? ASTRAL : SYMBOL;
  if (isUnicodeSpace(c)) return SPACE;
  return c >= 0x2e80 ? CJK : WIDE_LETTER;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

/** Whitespace as far as tokens and chunk boundaries are concerned. */
export function isSpaceCode(c: number): boolean {
  return c < 128 ? ASCII_KIND[c] === SPACE : isUnicodeSpace(c);
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
