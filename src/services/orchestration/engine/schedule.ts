import { nextTurn } from '../../../server/yield.js';
import type { Graph } from './graph.js';

// Walks a dependency graph running every node whose prerequisites are done,
// all ready nodes at once. Forward: a node after what it requires (create);
// reverse: after what requires it (delete). The first failure stops new
// starts; what is running finishes, and the walk reports the failure. Each
// start waits for a turn of the event loop, so that other requests are
// served while a large stack is made.

export interface WalkResult {
  failed?: { name: string; error: unknown };
  /** Why the walk stopped early without a failure (cancel, timeout, superseded). */
  interrupted?: string;
  done: Set<string>;
}

export interface WalkOptions {
  reverse?: boolean;
  /** Only these nodes run; the others count as done. */
  only?: Set<string>;
  /** Asked before each start: a reason to stop, or undefined. */
  interrupted?: () => Promise<string | undefined> | string | undefined;
}

/**
 * A turn of the event loop for everyone else. The store answers
 * synchronously, so without this a stack's resources would be made as one
 * block of work, and every other request would wait for all of them.
 */

export async function walk(
  graph: Graph,
  step: (name: string) => Promise<void>,
  opts: WalkOptions = {},
): Promise<WalkResult> {
  // edges as the walk sees them: "a waits for b"
  const waitsFor = new Map<string, Set<string>>(graph.nodes.map((n) => [n, new Set<string>()]));
  for (const [k, reqs] of graph.requires) {
    for (const r of reqs) {
      if (!waitsFor.has(r)) continue;
      if (opts.reverse) waitsFor.get(r)!.add(k);
      else waitsFor.get(k)!.add(r);
    }
  }
  const done = new Set<string>();
  for (const n of graph.nodes) if (opts.only && !opts.only.has(n)) done.add(n);
  const started = new Set<string>(done);
  const result: WalkResult = { done };
  const running = new Set<Promise<void>>();

  return new Promise<WalkResult>((resolveWalk) => {
    let checking = false;
    const pump = async () => {
      if (checking) return;
      checking = true;
      try {
        for (;;) {
          if (result.failed || result.interrupted) break;
          const ready = graph.nodes.filter((n) => !started.has(n) && [...waitsFor.get(n)!].every((d) => done.has(d)));
          if (ready.length === 0) break;
          const why = await opts.interrupted?.();
          if (why) {
            result.interrupted = why;
            break;
          }
          for (const n of ready) {
            // the nodes ready together all start, as before, one turn apart
            await nextTurn();
            started.add(n);
            const p: Promise<void> = step(n)
              .then(() => {
                done.add(n);
              })
              .catch((error) => {
                if (!result.failed) result.failed = { name: n, error };
              })
              .finally(() => {
                running.delete(p);
                void pump();
              });
            running.add(p);
          }
        }
      } finally {
        checking = false;
      }
      if (running.size === 0) resolveWalk(result);
    };
    void pump();
  });
}
