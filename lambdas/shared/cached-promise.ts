/**
 * A promise reused for ttlMs (a secret read once per warm container, not per request); a rejected
 * one is dropped at once, so the next caller tries again instead of reusing the failure.
 */
export function cachedPromise<T>(load: () => Promise<T>, ttlMs: number, clock: () => number): () => Promise<T> {
  let cached: { value: Promise<T>; until: number } | undefined;
  return () => {
    const now = clock();
    if (cached && cached.until > now) return cached.value;
    const value = load();
    cached = { value, until: now + ttlMs };
    value.catch(() => (cached = undefined));
    return value;
  };
}
