import { sql, type AnyColumn, type SQL } from 'drizzle-orm';

/** A Postgres array literal for a text-like array parameter, e.g. `${pgArray(ids)}::uuid[]`. */
export function pgArray(values: readonly string[]): string {
  return `{${values.map((v) => `"${v.replace(/["\\]/g, '\\$&')}"`).join(',')}}`;
}

/**
 * The keyset condition "after `position`" for a list ordered by `(at desc, id desc)`: the row
 * comparison Postgres answers from an `(…, at, id)` index. `at` arrives as the full-precision
 * text the list selected (a JS Date keeps only milliseconds).
 */
export function keysetBefore(
  at: AnyColumn,
  id: AnyColumn,
  position: { at: string; id: string },
): SQL {
  return sql`(${at}, ${id}) < (${position.at}::timestamptz, ${position.id}::uuid)`;
}
