/**
 * A compact latency histogram: fixed, log-spaced bucket bounds (factor √2 from 1 ms to ~65 s)
 * so histograms from any minute, isolate or tenant add up element-wise.
 */
const FACTOR = Math.SQRT2;
export const BUCKET_COUNT = 34;

/** Upper bound (ms) of bucket i; bucket 0 holds everything ≤ 1 ms, the last one is open-ended. */
export const BUCKET_BOUNDS: readonly number[] = Array.from({ length: BUCKET_COUNT }, (_, i) =>
  i === BUCKET_COUNT - 1 ? Infinity : FACTOR ** i,
);

export function emptyHistogram(): number[] {
  return new Array<number>(BUCKET_COUNT).fill(0);
}

export function bucketIndex(valueMs: number): number {
  if (!(valueMs > 1)) return 0;
  const i = Math.ceil(Math.log(valueMs) / Math.log(FACTOR) - 1e-9);
  return Math.min(i, BUCKET_COUNT - 1);
}

export function observe(histogram: number[], valueMs: number): void {
  histogram[bucketIndex(valueMs)]! += 1;
}

export function mergeInto(target: number[], source: readonly number[]): void {
  for (let i = 0; i < BUCKET_COUNT; i++) target[i]! += source[i] ?? 0;
}

/**
 * The q-quantile (0..1), interpolated geometrically inside its bucket. Exact to within one
 * bucket (a factor of √2); null when the histogram is empty.
 */
export function quantile(histogram: readonly number[], q: number): number | null {
  const total = histogram.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (let i = 0; i < BUCKET_COUNT; i++) {
    const n = histogram[i] ?? 0;
    if (n === 0) continue;
    if (seen + n >= rank) {
      const upper = i === BUCKET_COUNT - 1 ? BUCKET_BOUNDS[i - 1]! * FACTOR : BUCKET_BOUNDS[i]!;
      if (i === 0) return upper;
      const lower = BUCKET_BOUNDS[i - 1]!;
      const fraction = (rank - seen) / n;
      return lower * (upper / lower) ** fraction;
    }
    seen += n;
  }
  return null;
}
