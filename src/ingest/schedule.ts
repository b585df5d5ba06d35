/**
 * Runs work concurrently within a memory budget: an item starts only while the bytes of the
 * items in flight plus its own stay within `budgetBytes`, and at most `maxConcurrent` run at
 * once. An item larger than the whole budget runs alone. Items start in order, so a large item
 * waits for the ones before it instead of being starved by smaller ones behind it.
 * `bytesOf` must count what an item holds once parsed (inflated bytes), not what it stores.
 */
export async function runWithinBudget<T>(
  items: readonly T[],
  options: { budgetBytes: number; maxConcurrent: number; bytesOf: (item: T) => number },
  work: (item: T) => Promise<void>,
): Promise<void> {
  let inFlightBytes = 0;
  let running = 0;
  let next = 0;
  return new Promise<void>((resolve, reject) => {
    const pump = () => {
      if (next >= items.length && running === 0) return resolve();
      while (next < items.length && running < options.maxConcurrent) {
        const item = items[next]!;
        const bytes = Math.max(0, options.bytesOf(item));
        if (running > 0 && inFlightBytes + bytes > options.budgetBytes) return;
        next++;
        running++;
        inFlightBytes += bytes;
        work(item)
          .then(() => {
            running--;
            inFlightBytes -= bytes;
            pump();
          })
          .catch(reject);
      }
    };
    pump();
  });
}
