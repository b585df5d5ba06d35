import { describe, expect, it } from 'vitest';
import { chunkEvents } from './chunk';
import {
  MAX_PROPERTIES_BYTES,
  MAX_PROPERTIES_DEPTH,
  nestsDeeperThan,
  utf8Length,
  validateEvents,
} from './validate';

const NOW = Date.UTC(2026, 5, 1, 12);
const event = (over: Record<string, unknown> = {}) => ({
  event_id: crypto.randomUUID(),
  name: 'doc.viewed',
  user_id: 'u1',
  timestamp: new Date(NOW - 1000).toISOString(),
  properties: { plan: 'pro' },
  ...over,
});

describe('validateEvents', () => {
  it('accepts good events and rejects bad ones by index with stable codes', () => {
    const dup = event();
    const verdict = validateEvents(
      [
        event(),
        event({ name: 'Bad Name' }),
        event({ timestamp: new Date(NOW + 6 * 60_000).toISOString() }),
        event({ timestamp: new Date(NOW - 31 * 86_400_000).toISOString() }),
        event({ properties: { blob: 'x'.repeat(MAX_PROPERTIES_BYTES) } }),
        dup,
        { ...dup },
        'not an object',
        event({ event_id: 'nope' }),
        event({ user_id: '' }),
        event({ timestamp: new Date(NOW + 4 * 60_000).toISOString() }),
      ],
      NOW,
    );
    expect(verdict.accepted).toHaveLength(3);
    expect(verdict.rejected).toEqual([
      { index: 1, code: 'invalid_event' },
      { index: 2, code: 'timestamp_in_future' },
      { index: 3, code: 'timestamp_too_old' },
      { index: 4, code: 'properties_too_large' },
      { index: 6, code: 'duplicate_in_batch' },
      { index: 7, code: 'invalid_event' },
      { index: 8, code: 'invalid_event' },
      { index: 9, code: 'invalid_event' },
    ]);
    expect(verdict.accepted[0]!.received_at).toBe(new Date(NOW).toISOString());
  });

  it('rejects properties nested past the depth cap without recursing', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 200_000; i++) deep = i % 2 ? { k: deep } : [deep];
    let edge: unknown = 1;
    for (let i = 0; i < MAX_PROPERTIES_DEPTH - 1; i++) edge = { k: edge };
    expect(nestsDeeperThan(deep, MAX_PROPERTIES_DEPTH)).toBe(true);
    expect(nestsDeeperThan({ k: edge }, MAX_PROPERTIES_DEPTH)).toBe(false);
    expect(nestsDeeperThan({ k: { k: edge } }, MAX_PROPERTIES_DEPTH)).toBe(true);
    const verdict = validateEvents(
      [event({ properties: { deep } }), event({ properties: { k: edge } })],
      NOW,
    );
    expect(verdict.rejected).toEqual([{ index: 0, code: 'properties_too_deep' }]);
    expect(verdict.accepted).toHaveLength(1);
  });

  it('rejects NUL characters, which Postgres cannot store, as invalid_event', () => {
    const verdict = validateEvents(
      [
        event({ user_id: 'u\u0000' }),
        event({ properties: { k: 'a\u0000b' } }),
        event({ properties: { 'k\u0000': 1 } }),
        event({ properties: { k: 'a literal \\u0000 is fine' } }),
      ],
      NOW,
    );
    expect(verdict.rejected).toEqual([
      { index: 0, code: 'invalid_event' },
      { index: 1, code: 'invalid_event' },
      { index: 2, code: 'invalid_event' },
    ]);
    expect(verdict.accepted).toHaveLength(1);
  });

  it('defaults missing properties to an empty object', () => {
    const { accepted } = validateEvents([{ ...event(), properties: undefined }], NOW);
    expect(accepted[0]!.properties).toEqual({});
  });
});

describe('serialised events', () => {
  it('serialises each accepted event once, to exactly the accepted event', () => {
    const { accepted, serialized } = validateEvents(
      [
        event({ properties: { q: 'naïve "quoted" — ✓ 𝄞', n: [1, { a: null }] } }),
        event({ name: 'x' }),
        'bad',
      ],
      NOW,
    );
    expect(serialized).toHaveLength(accepted.length);
    expect(serialized.map((json) => JSON.parse(json))).toEqual(accepted);
  });

  it('measures UTF-8 bytes without encoding', () => {
    for (const text of ['', 'ascii', 'naïve', '€', '𝄞', 'a\ud800b', '{"k":"✓✓"}']) {
      expect(utf8Length(text)).toBe(new TextEncoder().encode(text).length);
    }
  });
});

describe('chunkEvents', () => {
  it('keeps every chunk under the byte limit and loses nothing', () => {
    const { accepted, serialized } = validateEvents(
      Array.from({ length: 300 }, () => event({ properties: { pad: 'y'.repeat(3000) } })),
      NOW,
    );
    const chunks = chunkEvents(serialized, 64 * 1024);
    expect(chunks.length).toBeGreaterThan(1);
    for (const c of chunks)
      expect(new TextEncoder().encode(`[${c.join(',')}]`).length).toBeLessThanOrEqual(64 * 1024);
    expect(chunks.flat().map((json) => JSON.parse(json).event_id)).toEqual(
      accepted.map((e) => e.event_id),
    );
  });
});
