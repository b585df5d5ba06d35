import type { CitablePassage } from './passages';

/**
 * A citation found in an answer. `start`/`end` are exact offsets into the cited chunk's
 * original text (`text.slice(start, end)` is the evidence), null when unverified.
 *
 * Unverifiable citations (unknown passage id, or a span that does not occur in the passage)
 * are kept with `verified: false` rather than dropped: the answer text still contains them,
 * so the reader must be told they are unsupported, and the generation log counts them.
 */
export interface Citation {
  citeId: string;
  chunkId: string | null;
  documentId: string | null;
  quote: string;
  start: number | null;
  end: number | null;
  verified: boolean;
  /** Where the citation marker sits in the answer text. */
  answerStart: number;
  answerEnd: number;
}

const CITATION = /\[(c\d+)\s*:\s*["“](.+?)["”]\s*\]/gs;

export function parseCitations(
  answer: string,
): Array<{ citeId: string; quote: string; answerStart: number; answerEnd: number }> {
  return [...answer.matchAll(CITATION)].map((m) => ({
    citeId: m[1]!,
    quote: m[2]!,
    answerStart: m.index,
    answerEnd: m.index + m[0].length,
  }));
}

const FOLD: Record<string, string> = {
  '‘': "'",
  '’': "'",
  '‚': "'",
  '′': "'",
  '“': '"',
  '”': '"',
  '„': '"',
  '″': '"',
  '–': '-',
  '—': '-',
  '‐': '-',
  '−': '-',
  '…': '...',
  ' ': ' ',
};

/**
 * Case-, whitespace- and quote-insensitive form of `text`, with `origin[i]` = the offset in
 * `text` where normalised character i came from (and `origin[length]` = text.length).
 */
export function normaliseForMatch(text: string): { norm: string; origin: number[] } {
  let norm = '';
  const origin: number[] = [];
  let offset = 0;
  let inSpace = false;
  for (const char of text) {
    if (/\s/u.test(char)) {
      if (!inSpace && norm.length > 0) {
        norm += ' ';
        origin.push(offset);
      }
      inSpace = true;
    } else {
      inSpace = false;
      const folded = (FOLD[char] ?? char).toLowerCase();
      for (let i = 0; i < folded.length; i += 1) origin.push(offset);
      norm += folded;
    }
    offset += char.length;
  }
  if (norm.endsWith(' ')) {
    norm = norm.slice(0, -1);
    origin.pop();
  }
  origin.push(text.length);
  return { norm, origin };
}

/** Exact [start, end) of `quote` within `text`, matching leniently; null when absent. */
export function locateQuote(text: string, quote: string): { start: number; end: number } | null {
  const needle = normaliseForMatch(quote).norm;
  if (needle.length === 0) return null;
  const { norm, origin } = normaliseForMatch(text);
  const at = norm.indexOf(needle);
  if (at < 0) return null;
  const start = origin[at]!;
  const lastOrigin = origin[at + needle.length - 1]!;
  // End just past the original character the last normalised character came from.
  const lastChar = String.fromCodePoint(text.codePointAt(lastOrigin)!);
  return { start, end: lastOrigin + lastChar.length };
}

/** Parses the answer's citations and checks each quoted span against the cited passage. */
export function verifyCitations(answer: string, passages: CitablePassage[]): Citation[] {
  const byCiteId = new Map(passages.map((p) => [p.citeId, p]));
  return parseCitations(answer).map((found) => {
    const passage = byCiteId.get(found.citeId);
    const span = passage ? locateQuote(passage.text, found.quote) : null;
    return {
      citeId: found.citeId,
      chunkId: passage?.chunkId ?? null,
      documentId: passage?.documentId ?? null,
      quote: found.quote,
      start: span?.start ?? null,
      end: span?.end ?? null,
      verified: span !== null,
      answerStart: found.answerStart,
      answerEnd: found.answerEnd,
    };
  });
}
