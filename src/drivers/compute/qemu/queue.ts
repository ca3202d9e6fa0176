/**
 * Calls that must not overlap, one queue per key: each runs after every
 * earlier call with the same key has settled (fulfilled or not). The qemu
 * driver keys a guest's calls by its uuid, so two QMP clients never meet and
 * a power action never races a hotplug, and base-image changes by BASES.
 */
export class SerialQueues {
  private tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const next = (this.tails.get(key) ?? Promise.resolve()).then(fn, fn);
    const tail = next.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return next;
  }
}

/** The key of base-image changes (cache, prune): not a uuid, so no guest's queue shares it. */
export const BASES = '_base';
