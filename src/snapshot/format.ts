import { createHash, type Hash } from 'node:crypto';

// The snapshot file: a magic line, then records (type u8, length u32 BE,
// payload). The manifest comes first so `snapshot status` reads only the
// head; each file is a FILE record, its non-zero chunks as DATA records
// (offset u64 BE + bytes: zero chunks are left out, so sparse volumes stay
// small), and FILE_END with the sha256 of what was stored (offsets and
// bytes), which the reader checks. END closes the snapshot: a file cut short
// is refused.

export const MAGIC = Buffer.from('pocketstack-snapshot 1\n');
export const CHUNK = 1024 * 1024;

export enum RecordType {
  MANIFEST = 1,
  FILE = 2,
  DATA = 3,
  FILE_END = 4,
  END = 5,
}

export interface Manifest {
  format: 1;
  pocketstack: string;
  created_at: string;
  /** The data dir it was taken from. */
  source: string;
  /** Live resources by kind (servers, images, volumes, ...). */
  counts: Record<string, number>;
  files: number;
  /** Sum of the files' sizes (zeroes included). */
  bytes: number;
  /** Files and bytes by top directory (images, volumes, instances, ...; `.` for the data dir's own files). */
  dirs?: Record<string, { files: number; bytes: number }>;
}

export interface FileHeader {
  path: string;
  size: number;
  mode: number;
  /** A hard link to a file earlier in the snapshot (by path): no bytes of its own. */
  link?: string;
}

export function record(type: RecordType, payload: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt8(type, 0);
  head.writeUInt32BE(payload.length, 1);
  return Buffer.concat([head, payload]);
}

export const jsonRecord = (type: RecordType, value: unknown) => record(type, Buffer.from(JSON.stringify(value)));

export function dataRecord(offset: number, data: Buffer, hash: Hash): Buffer {
  const off = Buffer.alloc(8);
  off.writeBigUInt64BE(BigInt(offset));
  hash.update(off).update(data);
  return record(RecordType.DATA, Buffer.concat([off, data]));
}

export type SnapshotEvent =
  | { type: 'manifest'; manifest: Manifest }
  | { type: 'file'; file: FileHeader }
  | { type: 'data'; offset: number; data: Buffer }
  | { type: 'file-end' }
  | { type: 'end' };

export class SnapshotFormatError extends Error {}

/**
 * Parses a snapshot stream into events, checking each file's hash and that
 * the stream ends with END. Buffers only one record at a time.
 */
export async function* readSnapshot(stream: AsyncIterable<Buffer>): AsyncGenerator<SnapshotEvent> {
  let buf: Buffer = Buffer.alloc(0);
  // pieces wait in a list until a whole record is there (one concat per record, not per piece)
  let pending: Buffer[] = [];
  let pendingLength = 0;
  let need = MAGIC.length;
  let magic = false;
  let ended = false;
  let hash: Hash | undefined;
  for await (const piece of stream) {
    pending.push(piece);
    pendingLength += piece.length;
    if (buf.length + pendingLength < need) continue;
    buf = Buffer.concat([buf, ...pending]);
    pending = [];
    pendingLength = 0;
    if (!magic) {
      if (buf.length < MAGIC.length) continue;
      if (!buf.subarray(0, MAGIC.length).equals(MAGIC))
        throw new SnapshotFormatError('not a pocketstack snapshot (pocketstack snapshot save makes them)');
      magic = true;
      buf = buf.subarray(MAGIC.length);
    }
    need = 5;
    while (buf.length >= 5) {
      const len = buf.readUInt32BE(1);
      need = 5 + len;
      if (buf.length < need) break;
      need = 5;
      const type = buf.readUInt8(0) as RecordType;
      const payload = buf.subarray(5, 5 + len);
      buf = buf.subarray(5 + len);
      if (ended) throw new SnapshotFormatError('data after the end of the snapshot');
      switch (type) {
        case RecordType.MANIFEST:
          yield { type: 'manifest', manifest: JSON.parse(payload.toString()) };
          break;
        case RecordType.FILE:
          hash = createHash('sha256');
          yield { type: 'file', file: JSON.parse(payload.toString()) };
          break;
        case RecordType.DATA: {
          if (!hash) throw new SnapshotFormatError('data outside a file');
          hash.update(payload);
          yield { type: 'data', offset: Number(payload.readBigUInt64BE(0)), data: payload.subarray(8) };
          break;
        }
        case RecordType.FILE_END: {
          const { sha256 } = JSON.parse(payload.toString());
          if (!hash || hash.digest('hex') !== sha256)
            throw new SnapshotFormatError('a file in the snapshot is damaged (checksum mismatch)');
          hash = undefined;
          yield { type: 'file-end' };
          break;
        }
        case RecordType.END:
          ended = true;
          yield { type: 'end' };
          break;
        default:
          throw new SnapshotFormatError(`unknown record type ${type}: a newer pocketstack made it?`);
      }
    }
  }
  if (!ended) throw new SnapshotFormatError('the snapshot is cut short');
}
