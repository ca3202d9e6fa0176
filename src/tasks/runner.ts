import type { Logger } from 'pino';
import type { Store } from '../store/db.js';
import { fromJson, toJson } from '../store/json.js';
import { background, onCommit } from '../store/postgres.js';

export interface Task<P = any> {
  id: number;
  kind: string;
  resourceId: string;
  payload: P;
  attempts: number;
}

export interface TaskKind<P = any> {
  /**
   * Moves the resource toward its desired state. Must be idempotent: after a
   * crash the same task runs again from the start.
   */
  run(task: Task<P>): Promise<void>;
  /** Called once when the task gives up: record the fault on the resource (status ERROR, fault). */
  failed?(task: Task<P>, error: Error): Promise<void>;
  /** Attempts before giving up; default 1 (no retry). */
  maxAttempts?: number;
}

/**
 * The durable work queue behind every slow operation (boot, copy, snapshot,
 * stack create). A request records the desired state and enqueues a task in
 * the same transaction; the runner drives it, retrying with backoff, and on
 * restart picks up whatever was still queued. Tasks of one resource run one
 * at a time, in the order they were queued.
 */
export class TaskRunner {
  private kinds = new Map<string, TaskKind>();
  private busy = new Set<string>();
  private running = new Map<number, Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private scanning: Promise<void> | undefined;
  private rescan = false;
  private stopped = true;

  /** A transaction queued a task: look once it commits. */
  private queuedInTransaction = false;

  constructor(
    private db: Store,
    private log: Logger,
  ) {
    // SQLite: the scan kick() starts waits for the one connection, so it sees
    // the transaction's task once committed. PostgreSQL: the scan may run
    // before the commit, so the runner looks again after commits.
    onCommit(db, () => {
      if (!this.queuedInTransaction) return;
      this.queuedInTransaction = false;
      this.kick();
    });
  }

  register<P>(kind: string, def: TaskKind<P>): void {
    this.kinds.set(kind, def as TaskKind);
  }

  /**
   * Queues work for a resource. Pass the transaction that records the desired
   * state so both commit together; the runner looks for it right after.
   */
  async enqueue<P>(kind: string, resourceId: string, payload: P, trx: Store = this.db): Promise<void> {
    if (!this.kinds.has(kind)) throw new Error(`no task kind ${kind}`);
    const at = new Date().toISOString();
    await trx
      .insertInto('tasks')
      .values({ kind, resource_id: resourceId, payload: toJson(payload), attempts: 0, run_after: at, created_at: at })
      .execute();
    if (trx.isTransaction) this.queuedInTransaction = true;
    this.kick();
  }

  start(): void {
    this.stopped = false;
    this.timer = setInterval(() => this.kick(), 1000);
    this.timer.unref();
    this.kick();
  }

  /** Stops taking new tasks and waits for the running ones. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.scanning;
    await Promise.allSettled([...this.running.values()]);
  }

  /** Resolves when no task is queued or running, retries included (tests use it to wait). */
  async idle(): Promise<void> {
    for (;;) {
      await this.scanning;
      await Promise.allSettled([...this.running.values()]);
      const queued = await this.db.selectFrom('tasks').select('id').limit(1).executeTakeFirst();
      if (!queued && this.running.size === 0 && !this.scanning) return;
      this.kick();
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** Looks for due tasks soon (on the next turn of the event loop). */
  kick(): void {
    if (this.stopped) return;
    if (this.scanning) {
      this.rescan = true;
      return;
    }
    this.scanning = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.scan())
      .catch((err) => this.log.error({ err }, 'task scan failed'))
      .finally(() => {
        this.scanning = undefined;
        if (this.rescan) {
          this.rescan = false;
          this.kick();
        }
      });
  }

  private async scan(): Promise<void> {
    const rows = await this.db
      .selectFrom('tasks')
      .selectAll()
      .where('run_after', '<=', new Date().toISOString())
      .orderBy('id')
      .limit(200)
      .execute();
    for (const row of rows) {
      if (this.running.has(row.id) || this.busy.has(row.resource_id)) continue;
      const kind = this.kinds.get(row.kind);
      if (!kind) continue;
      // an earlier task of the same resource still queued (not yet due) keeps order
      this.busy.add(row.resource_id);
      const task: Task = {
        id: row.id,
        kind: row.kind,
        resourceId: row.resource_id,
        payload: fromJson(row.payload, {}),
        attempts: row.attempts,
      };
      // background: on PostgreSQL its queries take turns with the requests' for the pool (postgres.ts)
      // a store that fails while the outcome is written (closed, gone) leaves the
      // row queued: the task runs again, on this runner or after a restart
      const p = background(() => this.execute(kind, task))
        .catch((err) =>
          this.log.error({ err, task: task.kind, resource: task.resourceId }, 'could not record the outcome of a task'),
        )
        .finally(() => {
          this.running.delete(row.id);
          this.busy.delete(row.resource_id);
          this.kick();
        });
      this.running.set(row.id, p);
    }
  }

  private async execute(kind: TaskKind, task: Task): Promise<void> {
    try {
      await kind.run(task);
      await this.db.deleteFrom('tasks').where('id', '=', task.id).execute();
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      const attempts = task.attempts + 1;
      if (attempts < (kind.maxAttempts ?? 1)) {
        const delay = Math.min(30_000, 200 * 2 ** attempts);
        this.log.warn({ err, task: task.kind, resource: task.resourceId, attempts }, 'task failed, retrying');
        await this.db
          .updateTable('tasks')
          .set({ attempts, last_error: err.message, run_after: new Date(Date.now() + delay).toISOString() })
          .where('id', '=', task.id)
          .execute();
        return;
      }
      this.log.error({ err, task: task.kind, resource: task.resourceId }, 'task gave up');
      await this.db.deleteFrom('tasks').where('id', '=', task.id).execute();
      try {
        await kind.failed?.(task, err);
      } catch (e2) {
        this.log.error({ err: e2, task: task.kind }, 'recording a task failure failed');
      }
    }
  }
}
