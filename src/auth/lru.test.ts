import { describe, expect, it } from 'vitest';
import { LruMap } from './lru';

describe('LruMap', () => {
  it('evicts the least recently used entry, not everything', () => {
    const lru = new LruMap<string, number>(3);
    lru.set('a', 1);
    lru.set('b', 2);
    lru.set('c', 3);
    expect(lru.get('a')).toBe(1); // a is now the most recent
    lru.set('d', 4); // evicts b
    expect(lru.peek('b')).toBeUndefined();
    expect([...lru.entries()].map(([k]) => k)).toEqual(['c', 'a', 'd']);
    expect(lru.size).toBe(3);
  });
});
