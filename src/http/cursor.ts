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
