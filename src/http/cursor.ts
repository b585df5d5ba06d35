import { base64UrlDecode, base64UrlEncode, utf8 } from '../crypto/encoding';
import { ApiError } from '../errors';

/** Opaque keyset cursors: base64url(JSON). */
export function encodeCursor(value: unknown): string {
  return base64UrlEncode(utf8(JSON.stringify(value)));
}

export function decodeCursor<T>(cursor: string, check: (value: unknown) => value is T): T {
  try {
    const value: unknown = JSON.parse(new TextDecoder().decode(base64UrlDecode(cursor)));
    if (check(value)) return value;
  } catch {
    // fall through
  }
  throw new ApiError(400, 'bad_request', 'the cursor is not valid');
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.\d{1,6})?(?:Z|[+-]\d{2}(?::?\d{2})?)$/;

/** Cursor parts reach SQL as `::uuid`; anything else would be a Postgres error, i.e. a 500. */
export const isUuid = (v: unknown): v is string => typeof v === 'string' && UUID.test(v);

/**
 * A timestamp both JavaScript and Postgres read the same way. `Date.parse` alone accepts
 * strings Postgres refuses ("1", "+275760-09-13") and so let a forged cursor become a 500.
 */
export function isCursorTimestamp(v: unknown): v is string {
  if (typeof v !== 'string') return false;
  const m = TIMESTAMP.exec(v);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number) as number[];
  const date = new Date(Date.UTC(year!, month! - 1, day!));
  return (
    year! >= 1 &&
    date.getUTCMonth() === month! - 1 &&
    date.getUTCDate() === day &&
    hour! < 24 &&
    minute! < 60 &&
    second! < 60
  );
}

/** A keyset position: the timestamp a list is ordered by, and the row id that breaks its ties. */
export interface TimeIdPosition {
  at: string;
  id: string;
}

/**
 * The `(at, id)` cursor of a list ordered by a timestamp and then its id, as an object with the
 * field names the route has always issued (`{u, i}`, `{a, i}`): cursors handed out before a
 * deploy stay valid after it, byte for byte. A forged cursor is a 400, never a 500.
 *
 * @example
 * const cursor = timeIdCursor('a', 'i');
 * const after = query.cursor ? cursor.decode(query.cursor) : null; // { at, id } | null
 * const next = cursor.encode({ at: last.at, id: last.row.id });
 */
export function timeIdCursor(atField: string, idField: string) {
  const isPosition = (v: unknown): v is Record<string, string> =>
    typeof v === 'object' &&
    v !== null &&
    isCursorTimestamp((v as Record<string, unknown>)[atField]) &&
    isUuid((v as Record<string, unknown>)[idField]);
  return {
    encode: (p: TimeIdPosition): string => encodeCursor({ [atField]: p.at, [idField]: p.id }),
    decode: (cursor: string): TimeIdPosition => {
      const v = decodeCursor(cursor, isPosition);
      return { at: v[atField]!, id: v[idField]! };
    },
  };
}
