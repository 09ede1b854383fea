// Folds over arrays that may be as long as the fleet (or a host's kernel log). `Math.max(...xs)`
// and `push(...xs)` pass every element as a call argument, and past roughly a hundred thousand
// arguments V8 throws "Maximum call stack size exceeded"; these loop instead.

/** The largest of `xs`, or `empty` when there is none (Math.max() would say -Infinity). */
export function maxOf(xs: Iterable<number>, empty = -Infinity): number {
  let best = empty;
  let any = false;
  for (const x of xs) {
    if (!any || x > best) best = x;
    any = true;
  }
  return any ? best : empty;
}

/** The smallest of `xs`, or `empty` when there is none. */
export function minOf(xs: Iterable<number>, empty = Infinity): number {
  let best = empty;
  let any = false;
  for (const x of xs) {
    if (!any || x < best) best = x;
    any = true;
  }
  return any ? best : empty;
}

/** Appends every item of `items` to `into`, in order; returns `into`. */
export function appendAll<T>(into: T[], items: Iterable<T>): T[] {
  for (const item of items) into.push(item);
  return into;
}
