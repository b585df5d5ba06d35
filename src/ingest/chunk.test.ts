import { describe, expect, it } from 'vitest';
import { chunkText, hashChunkText, type Chunk, type ChunkOptions } from './chunk';
import { estimateTokens } from '../ai/tokens';

/** Deterministic PRNG (mulberry32) so generated inputs are the same on every run. */
function prng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = (
  'the of and to in is was for on that with as by at from lift wing flow pressure boundary ' +
  'layer supersonic experimental theoretical distribution coefficient measurements approximately ' +
  'characteristics 12 3.5 1947 café naïve 東京 😀 x'
).split(' ');

function generate(random: () => number): string {
  const pick = <T>(items: T[]) => items[Math.floor(random() * items.length)]!;
  const parts: string[] = [];
  const blocks = 1 + Math.floor(random() * 40);
  for (let b = 0; b < blocks; b++) {
    const roll = random();
    if (roll < 0.15)
      parts.push(`${'#'.repeat(1 + Math.floor(random() * 4))} ${pick(WORDS)} ${pick(WORDS)}`);
    else if (roll < 0.2)
      parts.push('z'.repeat(1 + Math.floor(random() * 3000))); // no spaces at all
    else if (roll < 0.25)
      parts.push(Array.from({ length: 20 }, () => `- ${pick(WORDS)} ${pick(WORDS)}`).join('\n'));
    else {
      const sentences = 1 + Math.floor(random() * 30);
      const words: string[] = [];
      for (let s = 0; s < sentences; s++) {
        const length = 1 + Math.floor(random() * 40);
        for (let w = 0; w < length; w++) words.push(pick(WORDS));
        words[words.length - 1] += pick(['.', '!', '?', ';', ',']);
      }
      parts.push(words.join(random() < 0.1 ? '\n' : ' '));
    }
  }
  return parts.join(random() < 0.5 ? '\n\n' : '\n\n\n  ');
}

function checkInvariants(source: string, chunks: Chunk[], options: ChunkOptions = {}) {
  const max = options.maxTokens ?? 512;
  chunks.forEach((chunk, i) => {
    expect(chunk.ordinal).toBe(i);
    expect(chunk.text).toBe(source.slice(chunk.charStart, chunk.charEnd));
    expect(chunk.text.trim()).toBe(chunk.text);
    expect(chunk.text.length).toBeGreaterThan(0);
    expect(chunk.tokenCount).toBe(estimateTokens(chunk.text));
    expect(chunk.tokenCount).toBeLessThanOrEqual(max);
    if (i > 0) expect(chunk.charStart).toBeGreaterThan(chunks[i - 1]!.charStart);
  });
  // Every non-space character of the source is covered by some chunk.
  let covered = 0;
  for (const chunk of chunks) {
    const from = Math.max(covered, chunk.charStart);
    expect(source.slice(covered, from).trim()).toBe('');
    covered = Math.max(covered, chunk.charEnd);
  }
  expect(source.slice(covered).trim()).toBe('');
}

const paragraph = (n: number, word = 'alpha') =>
  Array.from({ length: n }, (_, i) => `${word} sentence number ${i} talks about wings.`).join(' ');

describe('chunkText', () => {
  it('returns nothing for blank input and one chunk for short input', () => {
    expect(chunkText('')).toEqual([]);
    expect(chunkText(' \n\n ')).toEqual([]);
    const chunks = chunkText('  Hello world.  ');
    expect(chunks).toHaveLength(1);
    expect(chunks[0]).toMatchObject({
      text: 'Hello world.',
      charStart: 2,
      charEnd: 14,
      headingPath: [],
    });
  });

  it('tracks heading paths and never crosses a heading', () => {
    const source = [
      '# Guide',
      'Intro text.',
      '## Install',
      'Run the installer.',
      '### Linux',
      'Use the package.',
      '## Usage',
      'Start it.',
      '# Appendix',
      'Notes.',
    ].join('\n\n');
    const chunks = chunkText(source);
    expect(chunks.map((c) => c.headingPath)).toEqual([
      ['Guide'],
      ['Guide', 'Install'],
      ['Guide', 'Install', 'Linux'],
      ['Guide', 'Usage'],
      ['Appendix'],
    ]);
    expect(chunks[1]!.text).toBe('## Install\n\nRun the installer.');
    checkInvariants(source, chunks);
  });

  it('carries a heading with no body into its first subsection', () => {
    const chunks = chunkText('# Guide\n\n## Install\n\nSteps.');
    expect(chunks).toHaveLength(1);
    expect(chunks[0]).toMatchObject({
      text: '# Guide\n\n## Install\n\nSteps.',
      headingPath: ['Guide', 'Install'],
    });
  });

  it('ignores heading-like lines inside fenced code and accepts closing hashes', () => {
    const chunks = chunkText('## Real ##\n\n```\n# not a heading\n```\n\ntext');
    expect(chunks).toHaveLength(1);
    expect(chunks[0]!.headingPath).toEqual(['Real']);
  });

  it('splits long sections near the target with overlap', () => {
    const source = `# Long\n\n${paragraph(40)}\n\n${paragraph(40, 'beta')}\n\n${paragraph(40, 'gamma')}`;
    const options = { targetTokens: 100, maxTokens: 128, overlapRatio: 0.15 };
    const chunks = chunkText(source, options);
    expect(chunks.length).toBeGreaterThan(5);
    checkInvariants(source, chunks, options);
    for (const chunk of chunks.slice(0, -1)) expect(chunk.tokenCount).toBeGreaterThan(60);
    for (let i = 1; i < chunks.length; i++) {
      const previous = chunks[i - 1]!;
      const chunk = chunks[i]!;
      expect(chunk.charStart).toBeLessThan(previous.charEnd);
      const shared = estimateTokens(source, chunk.charStart, previous.charEnd);
      expect(shared).toBeGreaterThan(0);
      expect(shared).toBeLessThanOrEqual(15);
    }
  });

  it('does not overlap across headings', () => {
    const source = `# A\n\n${paragraph(30)}\n\n# B\n\n${paragraph(30)}`;
    const chunks = chunkText(source, { targetTokens: 80, maxTokens: 100 });
    const firstB = chunks.findIndex((c) => c.headingPath[0] === 'B');
    expect(firstB).toBeGreaterThan(0);
    expect(chunks[firstB]!.charStart).toBeGreaterThanOrEqual(chunks[firstB - 1]!.charEnd);
    expect(chunks[firstB]!.text.startsWith('# B')).toBe(true);
  });

  it('prefers paragraph, then line, then sentence boundaries', () => {
    const source = `${paragraph(6)}\n\n${paragraph(6, 'beta')}`;
    const chunks = chunkText(source, { targetTokens: 70, maxTokens: 80, overlapRatio: 0 });
    expect(chunks).toHaveLength(2);
    expect(chunks[0]!.text).toBe(paragraph(6));
    const sentences = chunkText(paragraph(12), {
      targetTokens: 50,
      maxTokens: 60,
      overlapRatio: 0,
    });
    for (const chunk of sentences) expect(chunk.text.endsWith('.')).toBe(true);
  });

  it('cuts text without spaces and never splits a surrogate pair', () => {
    const source = '😀'.repeat(500);
    const options = { targetTokens: 33, maxTokens: 40 };
    const chunks = chunkText(source, options);
    checkInvariants(source, chunks, options);
    for (const chunk of chunks) expect(chunk.text).toMatch(/^(?:\ud83d\ude00)+$/);
  });

  it('falls back to defaults for unusable options and clamps the target to the maximum', () => {
    const source = paragraph(200);
    const chunks = chunkText(source, {
      targetTokens: Number.NaN,
      maxTokens: Infinity,
      overlapRatio: -1,
    });
    expect(chunks).toEqual(chunkText(source, { overlapRatio: 0 }));
    const clamped = chunkText(source, { targetTokens: 1000, maxTokens: 50 });
    checkInvariants(source, clamped, { maxTokens: 50 });
  });

  it('assigns the page where each chunk starts', () => {
    const pageOne = paragraph(20);
    const source = `${pageOne}\n\n${paragraph(20, 'beta')}`;
    const pages = [
      { page: 1, start: 0, end: pageOne.length },
      { page: 2, start: pageOne.length + 2, end: source.length },
    ];
    const chunks = chunkText(source, { targetTokens: 60, maxTokens: 80, pages });
    expect(chunks[0]!.page).toBe(1);
    expect(chunks.at(-1)!.page).toBe(2);
    for (const chunk of chunks) {
      const expected = chunk.charStart >= pages[1]!.start ? 2 : 1;
      expect(chunk.page).toBe(expected);
    }
  });

  it('holds its invariants over many generated documents and is deterministic', () => {
    const random = prng(20240611);
    for (let round = 0; round < 150; round++) {
      const source = generate(random);
      const target = 20 + Math.floor(random() * 400);
      const options = {
        targetTokens: target,
        maxTokens: target + Math.floor(random() * 120),
        overlapRatio: random() * 0.3,
      };
      const chunks = chunkText(source, options);
      checkInvariants(source, chunks, options);
      expect(chunkText(source, options)).toEqual(chunks);
    }
  });
});

describe('hashChunkText', () => {
  it('is SHA-256 hex of the normalised text', async () => {
    const hash = await hashChunkText('abc');
    expect(hash).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(await hashChunkText('  a\n\n b\t')).toBe(await hashChunkText('a b'));
    expect(await hashChunkText('e\u0301')).toBe(await hashChunkText('\u00e9'));
    expect(await hashChunkText('a b')).not.toBe(await hashChunkText('a  c'));
  });
});
