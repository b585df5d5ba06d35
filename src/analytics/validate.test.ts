import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chunkEvents } from './chunk';
import {
  checkEvent,
  EventSchema,
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

  it("refuses a user token's events for any other user as user_mismatch", () => {
    const events = [event({ user_id: 'u1' }), event({ user_id: 'u2' }), event({ user_id: 'U1' })];
    const asU1 = validateEvents(events, NOW, 'u1');
    expect(asU1.accepted.map((e) => e.user_id)).toEqual(['u1']);
    expect(asU1.rejected).toEqual([
      { index: 1, code: 'user_mismatch' },
      { index: 2, code: 'user_mismatch' },
    ]);
    // An API key (no user) reports for any user.
    expect(validateEvents(events, NOW, null).accepted).toHaveLength(3);
  });

  it('defaults missing properties to an empty object', () => {
    const { accepted } = validateEvents([{ ...event(), properties: undefined }], NOW);
    expect(accepted[0]!.properties).toEqual({});
  });
});

describe('checkEvent (validation without zod)', () => {
  const uuid = fc.oneof(
    fc.uuid(),
    fc.uuid().map((u) => u.toUpperCase()),
    fc.constantFrom(
      '00000000-0000-0000-0000-000000000000',
      'ffffffff-ffff-ffff-ffff-ffffffffffff',
      '6f9619ff-8b86-d011-b42d-00c04fc964ff', // version 0: not an RFC 9562 UUID
      '6f9619ff-8b86-4011-742d-00c04fc964ff', // variant 7
    ),
    fc.string({ maxLength: 40 }),
  );
  const name = fc.oneof(
    fc.stringMatching(/^[a-z0-9_.]{0,70}$/),
    fc.constantFrom('doc.viewed', 'Doc.viewed', 'a b', 'x"y', ''),
    fc.string({ maxLength: 70 }),
  );
  const userId = fc.oneof(
    fc.string({ minLength: 0, maxLength: 140 }),
    fc.string({ unit: 'binary', maxLength: 130 }),
    fc.constantFrom('', 'u"1\\', 'x'.repeat(128), 'x'.repeat(129)),
  );
  const date = fc.date({
    min: new Date('0001-01-01T00:00:00Z'),
    max: new Date('9999-12-31T23:59:59Z'),
    noInvalidDate: true,
  });
  const timestamp = fc.oneof(
    date.map((d) => d.toISOString()),
    fc
      .tuple(date, fc.constantFrom('+00:00', '-05:30', '+23:59', '+24:00', '+05', 'z', ''))
      .map(([d, zone]) => d.toISOString().replace('Z', zone)),
    fc.constantFrom(
      '2024-02-29T12:00:00Z',
      '2023-02-29T12:00:00Z',
      '2026-06-01T12:00Z',
      '2026-06-01T12:00:00.123456789+01:00',
      '2026-06-01 12:00:00Z',
    ),
    fc.string({ maxLength: 30 }),
  );
  const properties = fc.oneof(
    fc.constant(undefined),
    fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
    fc.constantFrom(
      null,
      [],
      ['a'],
      'text',
      3,
      JSON.parse('{"__proto__":{"x":1},"k":2}'),
      Object.assign(Object.create(null), { k: 1 }),
      { [Symbol('s')]: 1, k: 1 },
      new Date(0),
      { 2: 'b', a: 1, 1: 'a' },
    ),
  );
  const anEvent = fc.record(
    { event_id: uuid, name, user_id: userId, timestamp, properties, extra: fc.jsonValue() },
    { requiredKeys: [] },
  );
  const input = fc.oneof({ weight: 8, arbitrary: anEvent }, fc.anything());

  it('returns what EventSchema returns whenever it accepts, and leaves the rest to it', () => {
    fc.assert(
      fc.property(input, (raw) => {
        const fast = checkEvent(raw);
        if (fast === undefined) return;
        const parsed = EventSchema.safeParse(raw);
        expect(parsed.success).toBe(true);
        expect(fast).toEqual(parsed.data);
        expect(JSON.stringify(fast)).toBe(JSON.stringify(parsed.data));
      }),
      { numRuns: 3000 },
    );
  });

  it('refuses as invalid_event every event EventSchema refuses', () => {
    fc.assert(
      fc.property(input, (raw) => {
        if (EventSchema.safeParse(raw).success) return;
        expect(validateEvents([raw], NOW)).toEqual({
          accepted: [],
          serialized: [],
          rejected: [{ index: 0, code: 'invalid_event' }],
        });
      }),
      { numRuns: 3000 },
    );
  });

  it('takes the usual event without zod', () => {
    expect(checkEvent(event())).toBeDefined();
    expect(checkEvent({ ...event(), properties: undefined })).toMatchObject({ properties: {} });
  });
});

describe('serialised events', () => {
  it('serialises each accepted event once, to exactly the accepted event', () => {
    const { accepted, serialized } = validateEvents(
      [
        event({ properties: { q: 'naïve "quoted" — ✓ 𝄞', n: [1, { a: null }] } }),
        event({ name: 'x' }),
        event({ user_id: 'u "quoted" \\ \n ✓ 𝄞 \u2028' }),
        'bad',
      ],
      NOW,
    );
    expect(serialized).toHaveLength(3);
    expect(serialized.map((json) => JSON.parse(json))).toEqual(accepted);
    // Byte for byte what JSON.stringify makes of the accepted event.
    expect(serialized).toEqual(accepted.map((e) => JSON.stringify(e)));
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
