/**
 * Counting requests per key in windows: a window opens at a key's first hit and lasts
 * `windowSeconds`; hits inside it are counted, and the next hit after it opens a new window.
 * In-process here; redis-window-counter.ts shares the counts between replicas.
 */

/** The count of the current window, this hit included, and when the window ends. */
export interface WindowHit {
  count: number;
  /** Milliseconds until the window closes (≥ 1). */
  resetInMs: number;
}

/** Counts hits per key. */
export interface WindowCounter {
  hit(key: string, windowSeconds: number): Promise<WindowHit>;
}

/** Most keys kept at once: a flood from many addresses cannot grow memory without bound. */
const MAX_KEYS = 100_000;

/** An in-process counter. */
export function createMemoryWindowCounter(now: () => number = Date.now): WindowCounter {
  const windows = new Map<string, { count: number; endsAt: number }>();

  function makeRoom(t: number): void {
    for (const [key, w] of windows) if (w.endsAt <= t) windows.delete(key);
    // Still full of live windows: forget the oldest ones (insertion order), which only lets their
    // clients start afresh.
    while (windows.size >= MAX_KEYS) windows.delete(windows.keys().next().value!);
  }

  return {
    async hit(key, windowSeconds) {
      const t = now();
      let w = windows.get(key);
      if (w === undefined || w.endsAt <= t) {
        if (w !== undefined) windows.delete(key);
        else if (windows.size >= MAX_KEYS) makeRoom(t);
        w = { count: 0, endsAt: t + windowSeconds * 1000 };
        windows.set(key, w);
      }
      w.count++;
      return { count: w.count, resetInMs: Math.max(1, w.endsAt - t) };
    },
  };
}
