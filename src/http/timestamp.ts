import { z } from '@hono/zod-openapi';

const MIN_MS = Date.parse('0001-01-01T00:00:00Z');
const MAX_MS = Date.parse('9999-12-31T23:59:59.999Z');

/**
 * An ISO 8601 timestamp with an offset that JavaScript and Postgres read as the same instant.
 * `z.iso.datetime` accepts year 0000, and offsets that carry 0001 or 9999 across a year
 * boundary; Postgres refuses those instants (22008, 22009), which made `?from=0000-01-01…`
 * a 500. Here they are a 400 like any other invalid field.
 */
export const IsoTimestamp = () =>
  z.iso
    .datetime({ offset: true })
    .max(64)
    .refine((v) => {
      const ms = Date.parse(v);
      return ms >= MIN_MS && ms <= MAX_MS;
    }, 'the timestamp must fall between years 0001 and 9999 (UTC)');
