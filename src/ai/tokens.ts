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
  return countTokens(text, start, end, null);
}

/**
/**
 * The longest prefix (or, with `keep: 'tail'`, suffix) of `text` whose estimate is within
 * `budget` tokens, cut at whitespace when there is some in the half nearest the cut, so a word is
 * never split. The estimate only grows as a prefix or suffix grows, so the cut stays within the
 * budget too.
 */
export function clipToTokens(text: string, budget: number, keep: 'head' | 'tail' = 'head'): string {
  if (estimateTokens(text) <= budget) return text;
  const measure = (length: number) =>
    keep === 'head'
      ? estimateTokens(text, 0, length)
      : estimateTokens(text, text.length - length, text.length);
  // Binary search for the longest fitting length.
  let fits = 0;
  let over = text.length;
  while (over - fits > 1) {
    const mid = (fits + over) >>> 1;
    if (measure(mid) <= budget) fits = mid;
    else over = mid;
  }
  if (keep === 'head') {
    if (fits > 0 && isHighSurrogate(text.charCodeAt(fits - 1))) fits--; // never half a pair
    if (fits === 0) return '';
    const space = text.lastIndexOf(' ', fits);
    return text.slice(0, space > fits / 2 ? space : fits).trimEnd();
  }
  let start = text.length - fits;
  if (start < text.length && isLowSurrogate(text.charCodeAt(start))) start++;
  if (start >= text.length) return '';
  const space = text.indexOf(' ', start);
  return text.slice(space !== -1 && space < start + fits / 2 ? space : start).trimStart();
}

/**
 * Line feeds and sentence marks (. ! ? 。！？) met by one `countBreaks` call, in order: `at`
 * holds their indexes, `before` the estimate from its `start` up to each. Breaks are
 * one-character runs, so the estimate between any two of them is a difference of `before`s.
 * The caller owns it (one per chunking call), so nothing outlives the document it describes.
 */
export interface Breaks {
  at: number[];
  before: number[];
  count: number;
}

export const newBreaks = (): Breaks => ({ at: [], before: [], count: 0 });

/** `estimateTokens`, also recording the breaks on the way in `breaks` (reset first). */
export function countBreaks(text: string, start: number, end: number, breaks: Breaks): number {
  breaks.count = 0;
  return countTokens(text, start, end, breaks);
}

/**
 * The estimate in one pass. ASCII letters, symbols and whitespace (nearly all of English text)
 * take a branch-free step: `letters` is the length of the current ASCII letter run and
 * LETTER_STEP says whether that letter adds a token. Anything else is measured run by run.
 */
function countTokens(text: string, start: number, end: number, breaks: Breaks | null): number {
  // `| 0` on values from calls and properties keeps the loop variables small integers in V8;
  // left as general numbers they are tagged and checked on every character.
  const stop = end | 0;
  let tokens = 0;
  let letters = 0;
  for (let i = start | 0; i < stop; i++) {
    const c = text.charCodeAt(i);
    let fast = FAST[c]!;
    if (fast <= ASCII_SYMBOL) {
      letters = (letters + 1) & -(fast & 1); // 0 after whitespace or a symbol
      if (letters === 64) letters -= 5; // LETTER_STEP repeats every five letters from 11
      tokens += LETTER_STEP[letters]! + (fast >> 1);
      // The same step for the next character when it is plain too: one turn of the loop, and
      // its checks, for two characters (about 5% faster).
      if (i + 1 < stop && (fast = FAST[text.charCodeAt(i + 1)]!) <= ASCII_SYMBOL) {
        letters = (letters + 1) & -(fast & 1);
        if (letters === 64) letters -= 5;
        tokens += LETTER_STEP[letters]! + (fast >> 1);
        i++;
      }
      continue;
    }
    if (fast === BREAK) {
      if (breaks !== null) {
        breaks.at[breaks.count] = i;
        breaks.before[breaks.count++] = tokens;
      }
      if (c !== 10) tokens++; // a mark is a symbol or CJK character
    } else {
      if (letters > 0 && KIND[c] === WIDE_LETTER) {
        // The ASCII letters before belong to a non-ASCII run: take them back and re-measure.
        const from = letterRunStart(text, start, i);
        tokens = (tokens - letterRunTokens(i - from, false)) | 0;
        i = from | 0;
      }
      const found = runEnd(text, i, end);
      const runEndsAt = found < 0 ? -found : found;
      tokens = (tokens + runTokens(KIND[text.charCodeAt(i)]!, runEndsAt - i, found < 0)) | 0;
      i = (runEndsAt - 1) | 0;
    }
    letters = 0;
  }
  return tokens;
}

function letterRunStart(text: string, floor: number, i: number): number {
  while (i > floor && KIND[text.charCodeAt(i - 1)] === LETTER) i--;
  return i;
}

/**
 * End (exclusive) of the run (word piece, number, symbol, CJK character...) starting at the
 * non-space character `i`, negated for a letter run holding a non-ASCII letter: the one fact
 * besides its length that `runTokens` needs. Returned as one number so the hot loop keeps no
 * shared scratch state.
 */
function runEnd(text: string, i: number, end: number): number {
  const kind = KIND[text.charCodeAt(i)]!;
  if (kind === LETTER || kind === WIDE_LETTER) {
    let nonAscii = kind === WIDE_LETTER;
    let j = i + 1;
    for (; j < end; j++) {
      const next = KIND[text.charCodeAt(j)];
      if (next === WIDE_LETTER) nonAscii = true;
      else if (next !== LETTER) break;
    }
    return nonAscii ? -j : j;
  }
  if (kind === DIGIT) {
    let j = i + 1;
    while (j < end && KIND[text.charCodeAt(j)] === DIGIT) j++;
    return j;
  }
  // High surrogate and its pair: emoji and rare scripts.
  if (kind === ASTRAL) return i + 1 < end && isLowSurrogate(text.charCodeAt(i + 1)) ? i + 2 : i + 1;
  return i + 1;
}

/** Tokens of a run of `length` characters of class `kind` (see runEnd). */
function runTokens(kind: number, length: number, nonAscii: boolean): number {
  if (kind === LETTER || kind === WIDE_LETTER) return letterRunTokens(length, nonAscii);
  if (kind === DIGIT) return ((length + 2) / 3) | 0;
  if (kind === ASTRAL) return 2;
  return kind === SPACE ? 0 : 1;
}

function letterRunTokens(length: number, nonAscii: boolean): number {
  if (nonAscii) return ((length + 1) / 2) | 0;
  return length <= 8 ? 1 : ((length + 4) / 5) | 0;
}

/** Tokens the L-th letter of an ASCII run adds: letterRunTokens(L) - letterRunTokens(L - 1). */
const LETTER_STEP = new Uint8Array(64); // countTokens keeps run lengths below 64
for (let length = 1; length < 64; length++) {
  const before = length > 1 ? letterRunTokens(length - 1, false) : 0;
  LETTER_STEP[length] = letterRunTokens(length, false) - before;
}

const SPACE = 0;
const LETTER = 1;
const DIGIT = 2;
const SYMBOL = 3;
const WIDE_LETTER = 4;
const CJK = 5;
const ASTRAL = 6;

/** Character class of every UTF-16 code unit, so the hot loops do one table load per char. */
const KIND = new Uint8Array(65536);
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

/**
 * `countTokens` classes: 0 whitespace but line feed, 1 ASCII letter, 2 other ASCII symbol (bit 0
 * marks a letter, bit 1 a one-token symbol), then breaks and everything else.
 */
const ASCII_SYMBOL = 2;
const BREAK = 3;
const OTHER = 4;
const FAST = new Uint8Array(65536);
for (let c = 0; c < 65536; c++) FAST[c] = fastClass(c);

function fastClass(c: number): number {
  const kind = KIND[c];
  if (c === 10 || c === 46 || c === 33 || c === 63 || c === 0x3002 || c === 0xff01 || c === 0xff1f)
    return BREAK;
  if (kind === SPACE) return 0;
  if (kind === LETTER) return 1;
  return kind === SYMBOL && c < 128 ? ASCII_SYMBOL : OTHER;
}

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
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
