// Long work in the one event loop (a 999-resource template's validation, the
// engine starting resources) hands the loop back now and then, so that the
// other requests keep being served meanwhile.

/** Resolves on the next turn of the event loop, after the I/O that waits. */
export const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * For a loop over many items: `await pace()` once per item yields a turn every
 * `every` items, and sooner when `budgetMs` of work has passed since the last.
 */
export function pacer(every = 50, budgetMs = 10): () => Promise<void> {
  let count = 0;
  let since = performance.now();
  return async () => {
    if (++count < every && performance.now() - since < budgetMs) return;
    count = 0;
    await nextTurn();
    since = performance.now();
  };
}
