import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';

// What is done to each block of image data as it arrives: md5, sha512 and the
// write to the file. Each costs about as much CPU per byte as receiving the
// data, so on the thread that serves HTTP an upload runs at a third of the
// disk's speed (libuv writes through io_uring on the calling thread). Large
// uploads therefore hand their blocks to worker threads ("lanes", numbered,
// shared by all uploads and let go after a while idle); data too small to
// fill one block is handled in place, so small uploads never start a worker.

/** One kind of work over an upload's blocks; `update` resolves once the block may be reused. */
export interface BlockTask {
  update(block: Uint8Array, position: number): Promise<void> | undefined;
  /** The digest for a hash; undefined for a write. */
  finish(): Promise<string | undefined>;
  /** Forgets the work (a failed upload); nothing more follows. */
  discard(): void;
}

export function hashHere(algorithm: string): BlockTask {
  const hash = createHash(algorithm);
  return {
    update(block) {
      hash.update(block);
      return undefined;
    },
    finish: async () => hash.digest('hex'),
    discard() {},
  };
}

export function writeHere(file: FileHandle): BlockTask {
  return {
    update: async (block, position) => {
      await file.write(block, 0, block.length, position);
    },
    finish: async () => undefined,
    discard() {},
  };
}

export function hashOffThread(algorithm: string, lane: number): BlockTask {
  return offThread(lane, { kind: 'hash', algorithm });
}

/**
 * Writes to `file` from a worker, through its descriptor (shared by the whole process).
 * `direct`, a descriptor of the same file opened with O_DIRECT, takes the whole
 * blocks (page-aligned memory, offset and length): they go to the disk without
 * the page cache, so there is nothing to copy there now and nothing left to
 * write back at the final sync. Where it is refused (EINVAL: a file system
 * without O_DIRECT), that write and all after it go through `file`.
 */
export function writeOffThread(file: FileHandle, lane: number, direct?: number): BlockTask {
  return offThread(lane, { kind: 'write', fd: file.fd, direct });
}

/** Blocks must be views of a SharedArrayBuffer: the worker reads them where they are, no copy is made. */
function offThread(
  lane: number,
  start: { kind: 'hash'; algorithm: string } | { kind: 'write'; fd: number; direct?: number },
): BlockTask {
  const worker = blockWorker(lane);
  const job = worker.start(start);
  return {
    update(block, position) {
      if (!(block.buffer instanceof SharedArrayBuffer)) throw new TypeError('blocks must be shared memory');
      const message = {
        op: 'update',
        job,
        block: block.buffer,
        offset: block.byteOffset,
        length: block.length,
        position,
      };
      return worker.send(job, message) as Promise<void>;
    },
    finish: () => worker.send(job, { op: 'finish', job }) as Promise<string | undefined>,
    discard: () => worker.discard(job),
  };
}

// The worker's whole program: its jobs by id, one answer per update and finish, in order.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { writeSync } = require('node:fs');
const jobs = new Map();
function writeAll(fd, data, position) {
  for (let at = 0; at < data.length; ) at += writeSync(fd, data, at, data.length - at, position + at);
}
function writeBlock(job, data, position) {
  if (job.direct !== undefined && data.length % 4096 === 0 && data.byteOffset % 4096 === 0 && position % 4096 === 0) {
    try {
      return writeAll(job.direct, data, position);
    } catch (err) {
      if (err.code !== 'EINVAL') throw err;
      job.direct = undefined;
    }
  }
  writeAll(job.fd, data, position);
}
parentPort.on('message', (m) => {
  try {
    if (m.op === 'start')
      return void jobs.set(m.job, m.kind === 'hash' ? createHash(m.algorithm) : { fd: m.fd, direct: m.direct });
    if (m.op === 'discard') return void jobs.delete(m.job);
    const job = jobs.get(m.job);
    if (m.op === 'update') {
      const data = new Uint8Array(m.block, m.offset, m.length);
      if (job.fd === undefined) job.update(data);
      else writeBlock(job, data, m.position);
      return parentPort.postMessage({ job: m.job });
    }
    jobs.delete(m.job);
    parentPort.postMessage({ job: m.job, done: true, value: job.fd === undefined ? job.digest('hex') : undefined });
  } catch (err) {
    parentPort.postMessage({ job: m.job, error: String(err) });
  }
});
`;

/** A worker is let go when no upload has used it for this long. */
const IDLE_MS = 10_000;

type Answer = { job: number; done?: boolean; value?: string; error?: string };
type Waiting = { resolve: (v: unknown) => void; reject: (e: Error) => void };

class BlockWorker {
  private readonly worker = new Worker(WORKER_SOURCE, { eval: true });
  /** Per job, the answers awaited, oldest first (the worker answers in order). */
  private readonly jobs = new Map<number, Waiting[]>();
  private idle?: NodeJS.Timeout;

  constructor(private readonly retire: () => void) {
    this.worker.unref();
    this.worker.on('message', (m: Answer) => {
      const waiting = this.jobs.get(m.job)?.shift();
      if (!waiting) return;
      if (m.error) {
        // the job is over: the blocks still in flight for it fail with it
        const err = new Error(`image data worker: ${m.error}`);
        waiting.reject(err);
        this.drop(m.job, err);
        return;
      }
      waiting.resolve(m.value);
      if (m.done) this.end(m.job);
    });
    this.worker.on('error', (err) => this.fail(err));
    this.worker.on('exit', () => this.fail(new Error('image data worker exited')));
  }

  start(what: object): number {
    const job = nextJob++;
    clearTimeout(this.idle);
    this.jobs.set(job, []);
    this.worker.postMessage({ op: 'start', job, ...what });
    return job;
  }

  send(job: number, message: object): Promise<unknown> {
    const waiting = this.jobs.get(job);
    if (!waiting) return Promise.reject(new Error('image data worker: job is over'));
    return new Promise((resolve, reject) => {
      waiting.push({ resolve, reject });
      this.worker.postMessage(message);
    });
  }

  discard(job: number): void {
    this.drop(job, new Error('image data worker: job discarded'));
  }

  /** Ends a job early: the worker forgets it and every answer still awaited fails with `err`. */
  private drop(job: number, err: Error): void {
    const waiting = this.jobs.get(job);
    if (!waiting) return;
    this.worker.postMessage({ op: 'discard', job });
    for (const w of waiting) w.reject(err);
    this.end(job);
  }

  private end(job: number): void {
    this.jobs.delete(job);
    if (this.jobs.size > 0) return;
    this.idle = setTimeout(() => {
      this.retire();
      void this.worker.terminate();
    }, IDLE_MS);
    this.idle.unref();
  }

  private fail(err: Error): void {
    clearTimeout(this.idle);
    this.retire();
    for (const waiting of this.jobs.values()) for (const w of waiting) w.reject(err);
    this.jobs.clear();
  }
}

let nextJob = 1;
const lanes = new Map<number, BlockWorker>();

function blockWorker(lane: number): BlockWorker {
  let worker = lanes.get(lane);
  if (!worker) {
    const created = new BlockWorker(() => {
      if (lanes.get(lane) === created) lanes.delete(lane);
    });
    worker = created;
    lanes.set(lane, worker);
  }
  return worker;
}
