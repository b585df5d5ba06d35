export interface Snippet {
  text: string;
  /** The snippet with matches wrapped in <mark>…</mark>, HTML-escaped otherwise. */
  html: string;
  /** Offsets of the snippet within the chunk text. */
  start: number;
  end: number;
}

const WORD = /[\p{L}\p{N}]+/gu;
const STOP = new Set([
  'the',
  'a',
  'an',
  'of',
  'and',
  'or',
  'to',
  'in',
  'on',
  'for',
  'is',
  'are',
  'was',
  'be',
  'with',
  'by',
  'at',
  'as',
  'it',
  'that',
  'this',
  'what',
  'how',
  'which',
  'from',
]);

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Query words reduced to a prefix, so "flows" and "flowing" match "flow". */
export function queryStems(query: string): string[] {
  const stems = new Set<string>();
  for (const match of query.toLowerCase().matchAll(WORD)) {
    const word = match[0];
    if (STOP.has(word)) continue;
    stems.add(word.length > 5 ? word.slice(0, Math.max(4, word.length - 3)) : word);
  }
  return [...stems];
}

/**
 * Picks the window of about `width` chars with the most distinct query-word hits and marks
 * the hits. Deterministic; falls back to the chunk's opening.
 */
export function highlight(text: string, query: string, width = 240): Snippet {
  const stems = queryStems(query);
  const hits: Array<{ start: number; end: number; stem: string }> = [];
  if (stems.length) {
    for (const match of text.matchAll(WORD)) {
      const lower = match[0].toLowerCase();
      const stem = stems.find((s) => lower.startsWith(s));
      if (stem) hits.push({ start: match.index!, end: match.index! + match[0].length, stem });
    }
  }
  let bestStart = 0;
  let bestScore = -1;
  for (let i = 0; i < hits.length; i++) {
    const windowStart = hits[i]!.start;
    const seen = new Set<string>();
    let count = 0;
    for (let j = i; j < hits.length && hits[j]!.end - windowStart <= width; j++) {
      seen.add(hits[j]!.stem);
      count++;
    }
    const score = seen.size * 10 + count;
    if (score > bestScore) {
      bestScore = score;
      bestStart = windowStart;
    }
  }
  let start = Math.max(0, bestStart - Math.floor(width / 4));
  let end = Math.min(text.length, start + width);
  start = Math.max(0, Math.min(start, end - width));
  // Snap to word boundaries.
  if (start > 0) {
    const space = text.indexOf(' ', start);
    if (space !== -1 && space < start + 20) start = space + 1;
  }
  if (end < text.length) {
    const space = text.lastIndexOf(' ', end);
    if (space > end - 20) end = space;
  }
  let html = '';
  let cursor = start;
  for (const hit of hits) {
    if (hit.start < start || hit.end > end) continue;
    html +=
      escapeHtml(text.slice(cursor, hit.start)) +
      '<mark>' +
      escapeHtml(text.slice(hit.start, hit.end)) +
      '</mark>';
    cursor = hit.end;
  }
  html += escapeHtml(text.slice(cursor, end));
  const prefix = start > 0 ? '…' : '';
  const suffix = end < text.length ? '…' : '';
  return {
    text: prefix + text.slice(start, end) + suffix,
    html: prefix + html + suffix,
    start,
    end,
  };
}
