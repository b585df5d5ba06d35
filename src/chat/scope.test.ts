import { describe, expect, it } from 'vitest';
import { answerCacheThreshold, DEFAULT_ANSWER_CACHE_THRESHOLD } from './answer-cache';
import { scopeFilters, scopeHash } from './scope';

const A = '0b6f3f4e-4b8e-4c36-9d43-3a4a2f1c0a01';
const B = '0b6f3f4e-4b8e-4c36-9d43-3a4a2f1c0a02';

describe('chat scope', () => {
  it('hashes equal scopes equally, whatever the order or spelling', async () => {
    const one = scopeFilters({
      documentIds: [B, A, A],
      tags: ['ops', 'eu'],
      filters: { metadata: { team: 'x', region: 'eu' }, createdFrom: '2026-01-01T00:00:00+00:00' },
    });
    const two = scopeFilters({
      tags: ['eu', 'ops'],
      documentIds: [A.toUpperCase(), B],
      filters: { createdFrom: '2026-01-01T00:00:00.000Z', metadata: { region: 'eu', team: 'x' } },
    });
    expect(one).toEqual(two);
    expect(one.documentIds).toEqual([A, B]);
    expect(await scopeHash(one)).toBe(await scopeHash(two));
  });

  it('tells different scopes apart, and no scope from an empty one only by content', async () => {
    const none = await scopeHash(scopeFilters(undefined));
    expect(await scopeHash(scopeFilters({}))).toBe(none);
    expect(await scopeHash(scopeFilters({ documentIds: [A] }))).not.toBe(none);
    expect(await scopeHash(scopeFilters({ documentIds: [A] }))).not.toBe(
      await scopeHash(scopeFilters({ documentIds: [B] })),
    );
    expect(await scopeHash(scopeFilters({ tags: ['a'] }))).not.toBe(
      await scopeHash(scopeFilters({ filters: { mimeTypes: ['a'] } })),
    );
  });

  it('reads the cache threshold, falling back on nonsense', () => {
    expect(answerCacheThreshold('0.95')).toBe(0.95);
    expect(answerCacheThreshold(undefined)).toBe(DEFAULT_ANSWER_CACHE_THRESHOLD);
    expect(answerCacheThreshold('abc')).toBe(DEFAULT_ANSWER_CACHE_THRESHOLD);
    expect(answerCacheThreshold('0')).toBe(DEFAULT_ANSWER_CACHE_THRESHOLD);
    expect(answerCacheThreshold('1.5')).toBe(DEFAULT_ANSWER_CACHE_THRESHOLD);
  });
});
