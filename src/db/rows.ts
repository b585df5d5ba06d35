import { getTableColumns, type InferSelectModel, type Table } from 'drizzle-orm';

/**
 * A table row from its `row_to_json(...)` form, typed as drizzle's select model. Raw statements
 * (e.g. data-modifying CTEs, which the query builder cannot express) return rows this way, and
 * each column's own driver mapping turns the JSON values into what a drizzle select returns
 * (timestamps into Dates, bigints into numbers).
 */
export function rowFromJson<T extends Table>(table: T, json: Record<string, unknown>) {
  const row: Record<string, unknown> = {};
  for (const [key, column] of Object.entries(getTableColumns(table))) {
    const value = json[column.name];
    row[key] = value === null || value === undefined ? null : column.mapFromDriverValue(value);
  }
  return row as InferSelectModel<T>;
}
