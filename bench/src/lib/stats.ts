/** Percentile (nearest-rank) of an ascending-sorted sample; NaN for an empty one. */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  const index = Math.min(sorted.length - 1, Math.max(0, rank - 1));
  return sorted[index] ?? Number.NaN;
}

/** Sorted copy of the first `count` samples (the buffer is preallocated larger than needed). */
export function sortedPrefix(samples: Float64Array, count: number): Float64Array {
  return samples.slice(0, count).sort();
}
