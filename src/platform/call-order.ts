/**
 * The native kernel requests run on libuv's thread pool, so two calls made in the
 * same tick (a Child SA's SAs and then its flows) could reach the kernel in either
 * order. Wrapped by inCallOrder, each request starts only when the one made before
 * it has finished: the kernel sees them in call order.
 */
type AsyncFn = (...args: never[]) => Promise<unknown>;

export function inCallOrder<T extends object, K extends keyof T>(addon: T, names: readonly K[]): T {
  let tail: Promise<unknown> = Promise.resolve();
  const ordered = Object.create(addon) as T;
  for (const name of names) {
    const fn = addon[name] as unknown as AsyncFn | undefined;
    if (typeof fn !== 'function') continue;
    const wrapped = (...args: never[]): Promise<unknown> => {
      const run = tail.then(() => fn.apply(addon, args));
      tail = run.catch(() => undefined);
      return run;
    };
    (ordered as Record<K, unknown>)[name] = wrapped;
  }
  return ordered;
}
