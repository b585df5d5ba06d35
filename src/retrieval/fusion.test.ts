import { describe, expect, it } from 'vitest';
import { convexFusion, normaliseScores, reciprocalRankFusion } from './fusion';

const semantic = {
  name: 'semantic',
  items: [
    { id: 'a', score: 0.9 },
    { id: 'b', score: 0.5 },
    { id: 'c', score: 0.1 },
  ],
};
const keyword = {
  name: 'keyword',
  items: [
    { id: 'c', score: 12 },
    { id: 'a', score: 6 },
    { id: 'd', score: 3 },
  ],
};

describe('reciprocalRankFusion', () => {
  it('rewards ids ranked well in both lists and keeps components', () => {
    const fused = reciprocalRankFusion([semantic, keyword], 60);
    expect(fused.map((f) => f.id)).toEqual(['a', 'c', 'b', 'd']);
    expect(fused[0]!.score).toBeCloseTo(1 / 61 + 1 / 62, 10);
    expect(fused[0]!.components).toEqual({ semantic: 0.9, keyword: 6 });
    expect(fused.find((f) => f.id === 'd')!.components).toEqual({ keyword: 3 });
  });
});

describe('convexFusion', () => {
  it('weighs normalised scores by alpha', () => {
    const allSemantic = convexFusion([semantic, keyword], 1);
    expect(allSemantic.map((f) => f.id).slice(0, 3)).toEqual(['a', 'b', 'c']);
    const allKeyword = convexFusion([semantic, keyword], 0);
    expect(allKeyword[0]!.id).toBe('c');
    const even = convexFusion([semantic, keyword], 0.5);
    // a: 0.5*1 + 0.5*(3/9) ; c: 0.5*0 + 0.5*1
    expect(even.find((f) => f.id === 'a')!.score).toBeCloseTo(0.5 + 0.5 * (3 / 9), 10);
    expect(even.find((f) => f.id === 'c')!.score).toBeCloseTo(0.5, 10);
  });

  it('normalises a flat list to ones and an empty list to nothing', () => {
    expect([
      ...normaliseScores([
        { id: 'x', score: 2 },
        { id: 'y', score: 2 },
      ]).values(),
    ]).toEqual([1, 1]);
    expect(normaliseScores([]).size).toBe(0);
  });
});
