/** One ranked list from a retriever: ids with raw scores, best first. */
export interface RankedList {
  name: string;
  items: Array<{ id: string; score: number }>;
}

export type FusionConfig = { method: 'rrf'; k: number } | { method: 'convex'; alpha: number };

export interface FusedItem {
  id: string;
  score: number;
  /** Raw score from each list the id appeared in. */
  components: Record<string, number>;
}

/** Reciprocal rank fusion: sum of 1 / (k + rank), rank starting at 1. */
export function reciprocalRankFusion(lists: RankedList[], k = 60): FusedItem[] {
  const fused = new Map<string, FusedItem>();
  for (const list of lists) {
    list.items.forEach((item, index) => {
      const entry = fused.get(item.id) ?? { id: item.id, score: 0, components: {} };
      entry.score += 1 / (k + index + 1);
      entry.components[list.name] = item.score;
      fused.set(item.id, entry);
    });
  }
  return sortFused([...fused.values()]);
}

/** Min-max normalises each list to [0, 1]; a list of equal scores maps to 1. */
export function normaliseScores(items: Array<{ id: string; score: number }>): Map<string, number> {
  const out = new Map<string, number>();
  if (items.length === 0) return out;
  let min = Infinity;
  let max = -Infinity;
  for (const { score } of items) {
    if (score < min) min = score;
    if (score > max) max = score;
  }
  const span = max - min;
  for (const { id, score } of items) out.set(id, span > 0 ? (score - min) / span : 1);
  return out;
}

/**
 * Convex combination of normalised scores: alpha weighs the first list (semantic by
 * convention), 1 - alpha the second. An id missing from a list contributes 0 there.
 */
export function convexFusion(lists: [RankedList, RankedList], alpha: number): FusedItem[] {
  const [first, second] = lists;
  const a = normaliseScores(first.items);
  const b = normaliseScores(second.items);
  const fused = new Map<string, FusedItem>();
  const add = (list: RankedList, norm: Map<string, number>, weight: number) => {
    for (const item of list.items) {
      const entry = fused.get(item.id) ?? { id: item.id, score: 0, components: {} };
      entry.score += weight * (norm.get(item.id) ?? 0);
      entry.components[list.name] = item.score;
      fused.set(item.id, entry);
    }
  };
  add(first, a, alpha);
  add(second, b, 1 - alpha);
  return sortFused([...fused.values()]);
}

export function fuse(lists: [RankedList, RankedList], config: FusionConfig): FusedItem[] {
  return config.method === 'rrf'
    ? reciprocalRankFusion(lists, config.k)
    : convexFusion(lists, config.alpha);
}

/** Deterministic order: score, then id. */
function sortFused(items: FusedItem[]): FusedItem[] {
  return items.sort((x, y) => y.score - x.score || (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
}
