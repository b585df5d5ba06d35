import { describe, expect, it } from 'vitest';
import { ApiError } from '../errors';
import { encodeCursor, timeIdCursor } from './cursor';

const AT = '2026-12-07 04:12:57.123456+00';
const ID = '0b7c2f5e-4a57-4d4e-9a0c-2f1d0f3b9e11';

describe('timeIdCursor', () => {
  it('round-trips a position, byte-identical to the cursors the routes issued before', () => {
    const chat = timeIdCursor('u', 'i');
    expect(chat.encode({ at: AT, id: ID })).toBe(encodeCursor({ u: AT, i: ID }));
    expect(chat.decode(encodeCursor({ u: AT, i: ID }))).toEqual({ at: AT, id: ID });
    // The exact text issued before the shared codec: base64url of {"u":…,"i":…} / {"a":…,"i":…}.
    const b64 = (json: string) =>
      btoa(json).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    expect(chat.encode({ at: AT, id: ID })).toBe(b64(`{"u":"${AT}","i":"${ID}"}`));
    expect(timeIdCursor('a', 'i').encode({ at: AT, id: ID })).toBe(
      b64(`{"a":"${AT}","i":"${ID}"}`),
    );
    const collections = timeIdCursor('a', 'i');
    expect(collections.decode(collections.encode({ at: AT, id: ID }))).toEqual({ at: AT, id: ID });
  });

  it('refuses as a 400 anything that is not its own shape', () => {
    const cursor = timeIdCursor('a', 'i');
    for (const forged of [
      encodeCursor({ u: AT, i: ID }), // another list's field names
      encodeCursor({ a: 'yesterday', i: ID }),
      encodeCursor({ a: AT, i: 'not-a-uuid' }),
      encodeCursor([AT, ID]),
      encodeCursor(null),
      'not base64 json',
    ]) {
      const error = (() => {
        try {
          cursor.decode(forged);
        } catch (e) {
          return e;
        }
      })();
      expect(error, forged).toBeInstanceOf(ApiError);
      expect((error as ApiError).status).toBe(400);
    }
  });
});
