import { sha256Hex } from '../crypto/hash';
import type { SearchFilters } from '../retrieval/scope';

/** What a conversation (or a one-shot answer) may draw on. It narrows the tenant, never widens it. */
export interface ChatScope {
  documentIds?: string[];
  tags?: string[];
  filters?: Omit<SearchFilters, 'documentIds' | 'tags'>;
}

const sortedUnique = (values: readonly string[] | undefined) =>
  values?.length ? [...new Set(values)].sort() : undefined;

/**
 * The scope as search filters, in a canonical form: sorted lists, sorted metadata keys and
 * normalised timestamps, so equal scopes hash equally.
 */
export function scopeFilters(scope: ChatScope | undefined): SearchFilters {
  const filters = scope?.filters ?? {};
  const out: SearchFilters = {};
  const documentIds = sortedUnique(scope?.documentIds?.map((id) => id.toLowerCase()));
  if (documentIds) out.documentIds = documentIds;
  const tags = sortedUnique(scope?.tags);
  if (tags) out.tags = tags;
  const mimeTypes = sortedUnique(filters.mimeTypes);
  if (mimeTypes) out.mimeTypes = mimeTypes;
  if (filters.metadata && Object.keys(filters.metadata).length) {
    out.metadata = Object.fromEntries(
      Object.entries(filters.metadata).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    );
  }
  if (filters.createdFrom) out.createdFrom = new Date(filters.createdFrom).toISOString();
  if (filters.createdTo) out.createdTo = new Date(filters.createdTo).toISOString();
  return out;
}

/**
 * Answers are cached per scope: the same question over other documents is another question.
 * `reach` (accessKey of the asker, '' for API keys) partitions them by who asked, so an answer
 * built from passages one user may see is never served to another (docs/access.md).
 */
export async function scopeHash(filters: SearchFilters, reach = ''): Promise<string> {
  const keys = Object.keys(filters).sort() as Array<keyof SearchFilters>;
  const entries: unknown[] = keys.map((k) => [k, filters[k]]);
  if (reach) entries.push(['reach', reach]);
  const canonical = JSON.stringify(entries);
  return (await sha256Hex(canonical)).slice(0, 32);
}
