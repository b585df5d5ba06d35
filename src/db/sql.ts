/** A Postgres array literal for a text-like array parameter, e.g. `${pgArray(ids)}::uuid[]`. */
export function pgArray(values: readonly string[]): string {
  return `{${values.map((v) => `"${v.replace(/["\\]/g, '\\$&')}"`).join(',')}}`;
}
