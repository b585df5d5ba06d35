import {
  countBreaks,
  estimateTokens,
  isSpaceCode as isSpace,
  newBreaks,
  type Breaks,
} from '../ai/tokens';

export interface ChunkOptions {
  /** Size the packer aims for. */
  targetTokens?: number;
  /** Hard ceiling; no chunk's estimate exceeds it. */
  maxTokens?: number;
  /** Share of targetTokens repeated at the start of the next chunk within a section. */
  overlapRatio?: number;
  /** Character ranges per page (from PDF extraction); chunks then carry their start page. */
  pages?: ReadonlyArray<{ page: number; start: number; end: number }>;
}

export interface Chunk {
  ordinal: number;
  /** Always `source.slice(charStart, charEnd)`. */
  text: string;
  tokenCount: number;
  /** Markdown heading titles enclosing the chunk, outermost first. */
  headingPath: string[];
  charStart: number;
  charEnd: number;
  page?: number;
}

interface Section {
  start: number;
  end: number;
  headingPath: string[];
  /** Only a heading line; merged into the next section when that one is a subsection. */
  bodyless: boolean;
}

/** A span of text that is packed whole: paragraph, line, sentence, word or character slice. */
interface Units {
  starts: number[];
  ends: number[];
  tokens: number[];
  /** Set when a run was cut mid-word; sums of unit estimates are then only approximate. */
  cut: boolean;
}

const DEFAULTS = { targetTokens: 400, maxTokens: 512, overlapRatio: 0.15 };

/**
 * Splits extracted text into token-bounded, overlapping chunks that never cross a Markdown
 * heading. Splitting is recursive (section → paragraph → line → sentence → word → characters)
 * and works on offsets only, so every chunk maps back to an exact span of the source.
 */
export function chunkText(source: string, options: ChunkOptions = {}): Chunk[] {
  const maxTokens = Math.max(1, Math.floor(finite(options.maxTokens, DEFAULTS.maxTokens)));
  const targetTokens = Math.max(
    1,
    Math.min(maxTokens, Math.floor(finite(options.targetTokens, DEFAULTS.targetTokens))),
  );
  const overlapRatio = Math.min(
    0.5,
    Math.max(0, finite(options.overlapRatio, DEFAULTS.overlapRatio)),
  );
  const overlapTokens = Math.floor(targetTokens * overlapRatio);

  const chunks: Chunk[] = [];
  // Scratch for this call only: the section scan's breaks and a paragraph's pieces are reused
  // from section to section, and dropped with the call.
  const scratch: Scratch = { breaks: newBreaks(), pieces: newPieces() };
  for (const section of splitSections(source)) {
    const units: Units = { starts: [], ends: [], tokens: [], cut: false };
    splitSection(source, section.start, section.end, targetTokens, units, scratch);
    packSection(
      source,
      section,
      units,
      targetTokens,
      maxTokens,
      overlapTokens,
      chunks,
      scratch.breaks,
    );
  }
  if (options.pages?.length) assignPages(chunks, options.pages);
  return chunks;
}

/** SHA-256 hex of the text after NFC, whitespace collapsing and trimming: stable across re-extraction. */
export async function hashChunkText(text: string): Promise<string> {
  const normalised = text.normalize('NFC').replace(/\s+/g, ' ').trim();
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(normalised));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

// ---------------------------------------------------------------------------------------------
// Sections: ATX headings outside fenced code blocks.

function splitSections(source: string): Section[] {
  const sections: Section[] = [];
  const path: Array<{ level: number; title: string }> = [];
  let sectionStart = 0;
  let sectionPath: string[] = [];
  let fence = '';
  let lineStart = 0;
  const length = source.length;

  while (lineStart < length) {
    let lineEnd = source.indexOf('\n', lineStart);
    if (lineEnd === -1) lineEnd = length;
    const heading = fence ? undefined : parseHeading(source, lineStart, lineEnd);
    if (heading) {
      pushSection(source, sections, sectionStart, lineStart, sectionPath);
      while (path.length && path[path.length - 1]!.level >= heading.level) path.pop();
      path.push(heading);
      sectionStart = lineStart;
      sectionPath = path.map((h) => h.title);
    } else {
      const marker = fenceMarker(source, lineStart, lineEnd);
      if (marker && (!fence || marker.startsWith(fence))) fence = fence ? '' : marker;
    }
    lineStart = lineEnd + 1;
  }
  pushSection(source, sections, sectionStart, length, sectionPath);
  return sections;
}

/** Adds a section unless it is blank; a heading with no body is carried into the next section. */
function pushSection(
  source: string,
  sections: Section[],
  start: number,
  end: number,
  headingPath: string[],
) {
  const [s, e] = trimRange(source, start, end);
  if (s >= e) return;
  const previous = sections[sections.length - 1];
  if (previous?.bodyless && headingPath.length > previous.headingPath.length) {
    previous.end = e;
    previous.headingPath = headingPath;
    previous.bodyless = isHeadingOnly(source, s, e);
    return;
  }
  sections.push({ start: s, end: e, headingPath, bodyless: isHeadingOnly(source, s, e) });
}

function isHeadingOnly(source: string, start: number, end: number): boolean {
  const newline = source.indexOf('\n', start);
  return (newline === -1 || newline >= end) && parseHeading(source, start, end) !== undefined;
}

function parseHeading(
  source: string,
  lineStart: number,
  lineEnd: number,
): { level: number; title: string } | undefined {
  let i = lineStart;
  while (i < lineEnd && i - lineStart < 3 && source.charCodeAt(i) === 32) i++;
  let level = 0;
  while (i < lineEnd && source.charCodeAt(i) === 35 /* # */) {
    level++;
    i++;
  }
  if (level === 0 || level > 6) return undefined;
  if (i < lineEnd && !isSpace(source.charCodeAt(i))) return undefined;
  let [s, e] = trimRange(source, i, lineEnd);
  // Optional closing sequence: "## Title ##".
  let j = e;
  while (j > s && source.charCodeAt(j - 1) === 35) j--;
  if (j < e && (j === s || isSpace(source.charCodeAt(j - 1)))) [s, e] = trimRange(source, s, j);
  return { level, title: source.slice(s, e) };
}

function fenceMarker(source: string, lineStart: number, lineEnd: number): string {
  let i = lineStart;
  while (i < lineEnd && i - lineStart < 3 && source.charCodeAt(i) === 32) i++;
  const c = source.charCodeAt(i);
  if (c !== 96 /* ` */ && c !== 126 /* ~ */) return '';
  let j = i;
  while (j < lineEnd && source.charCodeAt(j) === c) j++;
  return j - i >= 3 ? source.slice(i, j) : '';
}

// ---------------------------------------------------------------------------------------------
// Recursive splitting into units no larger than the target.

/**
 * One pass over the section counts its tokens and finds its line feeds and sentence marks.
 * Paragraphs (separated by lines with no tokens) and, in those over the target, lines and
 * sentences then come from those breaks, with counts by subtraction.
 */
function splitSection(
  source: string,
  start: number,
  end: number,
  target: number,
  out: Units,
  scratch: Scratch,
) {
  const { breaks } = scratch;
  const total = countBreaks(source, start, end, breaks);
  let paragraphStart = start; // before trimming
  let paragraphBefore = 0; // tokens before paragraphStart
  let firstBreak = 0;
  let lineBefore = 0; // tokens before the current line
  for (let k = 0; k < breaks.count; k++) {
    const at = breaks.at[k]!;
    if (source.charCodeAt(at) !== 10) continue;
    const before = breaks.before[k]!;
    if (before === lineBefore && before > paragraphBefore) {
      const paragraph = { start: paragraphStart, end: at, tokens: before - paragraphBefore };
      splitParagraph(source, paragraph, firstBreak, k, target, out, scratch);
      paragraphStart = at + 1;
      paragraphBefore = before;
      firstBreak = k + 1;
    }
    lineBefore = before;
  }
  const last = { start: paragraphStart, end, tokens: total - paragraphBefore };
  if (last.tokens > 0) {
    splitParagraph(source, last, firstBreak, breaks.count, target, out, scratch);
  }
}

/**
 * A paragraph as one unit if it fits, else its lines that fit, else sentences, else words.
 * `firstBreak` and `lastBreak` delimit its breaks from the section scan.
 */
function splitParagraph(
  source: string,
  paragraph: { start: number; end: number; tokens: number },
  firstBreak: number,
  lastBreak: number,
  target: number,
  out: Units,
  scratch: Scratch,
) {
  if (paragraph.tokens <= target) {
    const [start, end] = trimRange(source, paragraph.start, paragraph.end);
    pushUnit(out, start, end, paragraph.tokens);
    return;
  }
  const { pieces } = scratch;
  const count = findPieces(source, paragraph, firstBreak, lastBreak, scratch);
  const { starts, ends, tokens, lineEnds } = pieces;
  for (let first = 0; first < count;) {
    let last = first;
    let lineTokens = tokens[first]!;
    while (!lineEnds[last] && last + 1 < count) lineTokens += tokens[++last]!;
    if (lineTokens <= target) pushUnit(out, starts[first]!, ends[last]!, lineTokens);
    else {
      for (let k = first; k <= last; k++) {
        if (tokens[k]! <= target) pushUnit(out, starts[k]!, ends[k]!, tokens[k]!);
        else splitWords(source, starts[k]!, ends[k]!, target, out);
      }
    }
    first = last + 1;
  }
}

/** A paragraph's sentences and lines found by `findPieces`: parallel arrays, `count` in use. */
interface Pieces {
  starts: number[];
  ends: number[];
  tokens: number[];
  lineEnds: boolean[];
  count: number;
}

const newPieces = (): Pieces => ({ starts: [], ends: [], tokens: [], lineEnds: [], count: 0 });

/** Per-call working state of `chunkText`, passed down rather than kept in the module. */
interface Scratch {
  breaks: Breaks;
  pieces: Pieces;
}

/**
 * The paragraph's sentences and lines, trimmed, with token counts, from its breaks; returns the
 * count. A piece ends at a line feed (also setting `lineEnds`), at . ! ? followed by whitespace,
 * or at CJK 。！？.
 */
function findPieces(
  source: string,
  paragraph: { start: number; end: number; tokens: number },
  firstBreak: number,
  lastBreak: number,
  { breaks, pieces }: Scratch,
): number {
  pieces.count = 0;
  let pieceStart = paragraph.start; // before trimming
  // Counts below are relative to the section start, like `breaks.before`.
  const paragraphBefore = firstBreak > 0 ? breaks.before[firstBreak - 1]! : 0;
  let pieceBefore = paragraphBefore;
  for (let k = firstBreak; k < lastBreak; k++) {
    const at = breaks.at[k]!;
    const before = breaks.before[k]!;
    const c = source.charCodeAt(at);
    if (c === 10) {
      closePiece(pieces, source, pieceStart, at, before - pieceBefore, true);
      if (pieces.count > 0) pieces.lineEnds[pieces.count - 1] = true;
      pieceStart = at + 1;
      pieceBefore = before;
    } else if (
      c === 46 || c === 33 || c === 63
        ? at + 1 >= paragraph.end || isSpace(source.charCodeAt(at + 1))
        : true
    ) {
      closePiece(pieces, source, pieceStart, at + 1, before + 1 - pieceBefore, false);
      pieceStart = at + 1;
      pieceBefore = before + 1;
    }
  }
  closePiece(
    pieces,
    source,
    pieceStart,
    paragraph.end,
    paragraphBefore + paragraph.tokens - pieceBefore,
    true,
  );
  return pieces.count;
}

/** Records [start, end), trimmed, as the next piece unless it is blank. */
function closePiece(
  pieces: Pieces,
  source: string,
  start: number,
  end: number,
  tokens: number,
  lineEnd: boolean,
) {
  if (tokens === 0) return; // only whitespace
  while (isSpace(source.charCodeAt(start))) start++;
  while (isSpace(source.charCodeAt(end - 1))) end--;
  const k = pieces.count++;
  pieces.starts[k] = start;
  pieces.ends[k] = end;
  pieces.tokens[k] = tokens;
  pieces.lineEnds[k] = lineEnd;
}

/** Groups whole words into units of at most the target; a single oversized word is cut. */
function splitWords(source: string, start: number, end: number, target: number, out: Units) {
  let groupStart = -1;
  let groupEnd = -1;
  let groupTokens = 0;
  let i = start;
  while (i < end) {
    while (i < end && isSpace(source.charCodeAt(i))) i++;
    if (i >= end) break;
    const wordStart = i;
    while (i < end && !isSpace(source.charCodeAt(i))) i++;
    const wordTokens = estimateTokens(source, wordStart, i);
    if (groupStart !== -1 && groupTokens + wordTokens > target) {
      pushUnit(out, groupStart, groupEnd, groupTokens);
      groupStart = -1;
    }
    if (wordTokens > target) {
      splitCharacters(source, wordStart, i, target, out);
      continue;
    }
    if (groupStart === -1) {
      groupStart = wordStart;
      groupTokens = 0;
    }
    groupEnd = i;
    groupTokens += wordTokens;
  }
  if (groupStart !== -1) pushUnit(out, groupStart, groupEnd, groupTokens);
}

/** Last resort: cut a run with no spaces into slices that fit, never inside a surrogate pair. */
function splitCharacters(source: string, start: number, end: number, target: number, out: Units) {
  out.cut = true;
  let sliceStart = start;
  while (sliceStart < end) {
    // Estimates are at most one token per char (two per astral pair), so `target` chars fit.
    let sliceEnd = Math.min(end, sliceStart + Math.max(1, target));
    let tokens = estimateTokens(source, sliceStart, sliceEnd);
    while (tokens > target && sliceEnd - sliceStart > 1) {
      sliceEnd = sliceStart + Math.max(1, Math.floor((sliceEnd - sliceStart) / 2));
      tokens = estimateTokens(source, sliceStart, sliceEnd);
    }
    if (sliceEnd < end && isHighSurrogate(source.charCodeAt(sliceEnd - 1))) {
      sliceEnd += sliceEnd - sliceStart > 1 ? -1 : 1;
      tokens = estimateTokens(source, sliceStart, sliceEnd);
    }
    pushUnit(out, sliceStart, sliceEnd, tokens);
    sliceStart = sliceEnd;
  }
}

function pushUnit(out: Units, start: number, end: number, tokens: number) {
  out.starts.push(start);
  out.ends.push(end);
  out.tokens.push(tokens);
}

// ---------------------------------------------------------------------------------------------
// Packing units into chunks with overlap.

function packSection(
  source: string,
  section: Section,
  units: Units,
  target: number,
  max: number,
  overlapTokens: number,
  chunks: Chunk[],
  breaks: Breaks,
) {
  const { starts, ends, tokens } = units;
  const count = starts.length;
  let next = 0;
  let carryStart = -1; // start of the previous chunk's tail repeated in this one
  let carryTokens = 0;
  let packed = 0; // estimate from the section start to the end of unit next - 1
  while (next < count) {
    if (carryStart !== -1 && carryTokens + tokens[next]! > max) carryStart = -1;
    let start = carryStart === -1 ? starts[next]! : carryStart;
    let budget = (carryStart === -1 ? 0 : carryTokens) + tokens[next]!;
    let last = next;
    while (last + 1 < count && budget + tokens[last + 1]! <= target) budget += tokens[++last]!;

    // Unit estimates add up exactly (units meet at whitespace or class changes) unless a hard
    // character cut split a run; then re-count the real span and give back overlap, then units.
    let tokenCount = units.cut ? estimateTokens(source, start, ends[last]!) : budget;
    if (tokenCount > max && start !== starts[next]) {
      start = starts[next]!;
      tokenCount = estimateTokens(source, start, ends[last]!);
    }
    while (tokenCount > max && last > next) {
      last--;
      tokenCount = estimateTokens(source, start, ends[last]!);
    }
    const end = ends[last]!;
    chunks.push({
      ordinal: chunks.length,
      text: source.slice(start, end),
      tokenCount,
      headingPath: section.headingPath,
      charStart: start,
      charEnd: end,
    });
    for (; next <= last; next++) packed += tokens[next]!;
    carryStart = -1;
    if (next < count && overlapTokens > 0) {
      const tail = tailStart(source, start, end, overlapTokens, units.cut ? -1 : packed, breaks);
      if (tail.start > start && tail.start < end) {
        carryStart = tail.start;
        carryTokens = tail.tokens;
      }
    }
  }
}

/**
 * Start of the chunk's tail to repeat in the next chunk: whole words worth at most `budget`
 * tokens (never before `floor`), with their count; `end` if not even one word fits.
 * Words are gathered by length first (about four characters per token): the first word starting
 * within that many characters of `end`. The tail is then counted and trimmed from the front
 * while over budget. `endBefore` is the estimate from the section start to `end`, or -1.
 */
function tailStart(
  source: string,
  floor: number,
  end: number,
  budget: number,
  endBefore: number,
  breaks: Breaks,
): { start: number; tokens: number } {
  let start = Math.max(floor, end - budget * 4);
  if (start > floor && !isSpace(source.charCodeAt(start - 1))) {
    while (start < end && !isSpace(source.charCodeAt(start))) start++;
  }
  while (start < end && isSpace(source.charCodeAt(start))) start++;
  let tokens = start < end ? countToEnd(source, start, end, endBefore, breaks) : 0;
  while (tokens > budget && start < end) {
    let j = start;
    while (j < end && !isSpace(source.charCodeAt(j))) j++;
    tokens -= estimateTokens(source, start, j);
    while (j < end && isSpace(source.charCodeAt(j))) j++;
    start = j;
  }
  return { start, tokens };
}

/**
 * Estimate of [start, end) given `endBefore` (see tailStart): only the stretch up to the next
 * break is scanned; the rest is a difference of counts from the section scan (`breaks`).
 */
function countToEnd(
  source: string,
  start: number,
  end: number,
  endBefore: number,
  breaks: Breaks,
): number {
  const k = firstBreakFrom(breaks, start);
  if (endBefore < 0 || k >= breaks.count || breaks.at[k]! >= end) {
    return estimateTokens(source, start, end);
  }
  return estimateTokens(source, start, breaks.at[k]!) + endBefore - breaks.before[k]!;
}

/** Index of the first break of the section scan at or after `position` (binary search). */
function firstBreakFrom(breaks: Breaks, position: number): number {
  let low = 0;
  let high = breaks.count;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (breaks.at[mid]! < position) low = mid + 1;
    else high = mid;
  }
  return low;
}

// ---------------------------------------------------------------------------------------------

function assignPages(
  chunks: Chunk[],
  pages: ReadonlyArray<{ page: number; start: number; end: number }>,
) {
  let p = 0;
  for (const chunk of chunks) {
    while (p + 1 < pages.length && pages[p + 1]!.start <= chunk.charStart) p++;
    chunk.page = pages[p]!.page;
  }
}

function finite(value: number | undefined, fallback: number): number {
  return value !== undefined && Number.isFinite(value) ? value : fallback;
}

function trimRange(source: string, start: number, end: number): [number, number] {
  while (start < end && isSpace(source.charCodeAt(start))) start++;
  while (end > start && isSpace(source.charCodeAt(end - 1))) end--;
  return [start, end];
}

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}
