import { describe, expect, it } from 'vitest';
import { childTraceparent, parseTraceparent, traceIdOf } from './traceparent';

const VALID = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('traceparent', () => {
  it('parses a valid header', () => {
    expect(parseTraceparent(VALID)).toEqual({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      parentId: '00f067aa0ba902b7',
      flags: '01',
    });
  });

  it.each([
    ['upper-case hex', VALID.toUpperCase()],
    ['version ff', VALID.replace(/^00/, 'ff')],
    ['all-zero trace id', `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`],
    ['all-zero parent id', `00-4bf92f3577b34da6a3ce929d0e0e4736-${'0'.repeat(16)}-01`],
    ['short trace id', '00-4bf92f3577b34da6a3ce929d0e0e47-00f067aa0ba902b7-01'],
    ['trailing data on version 00', `${VALID}-extra`],
    ['garbage', 'hello'],
  ])('rejects %s', (_, header) => {
    expect(parseTraceparent(header)).toBeNull();
  });

  it('keeps the trace id and flags of the parent and mints a new span id', () => {
    const child = childTraceparent(parseTraceparent(VALID));
    const parsed = parseTraceparent(child)!;
    expect(parsed.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(parsed.flags).toBe('01');
    expect(parsed.parentId).not.toBe('00f067aa0ba902b7');
  });

  it('starts a new valid trace when there is no parent', () => {
    const a = childTraceparent(null);
    const b = childTraceparent(null);
    expect(parseTraceparent(a)).not.toBeNull();
    expect(traceIdOf(a)).not.toBe(traceIdOf(b));
  });
});
