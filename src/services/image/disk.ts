import { writeFile } from 'node:fs/promises';

// Disk image formats, read and written just far enough: the virtual size from
// a format's header (as Glance's format inspector computes it during upload),
// and a blank qcow2 for the default image.

/** How much of the start of an upload virtualSize() needs. */
export const HEADER_BYTES = 512;

/**
 * The disk's virtual size as Glance reports it: from the header of qcow2,
 * vhd, vmdk and vdi, the data size for raw; null for other formats, for
 * containers other than bare, or when the data does not match the format.
 */
export function virtualSize(
  header: Buffer,
  size: number,
  diskFormat: string | null,
  containerFormat: string | null,
): number | null {
  if (containerFormat !== 'bare') return null;
  switch (diskFormat) {
    case 'raw':
      return size;
    case 'qcow2':
      if (header.length < 32 || header.readUInt32BE(0) !== 0x514649fb) return null;
      return nonZero(Number(header.readBigUInt64BE(24)));
    case 'vhd':
      if (header.length < 48 || header.subarray(0, 8).toString('latin1') !== 'conectix') return null;
      return nonZero(Number(header.readBigUInt64BE(40)));
    case 'vmdk':
      if (header.length < 20 || header.subarray(0, 4).toString('latin1') !== 'KDMV') return null;
      return nonZero(Number(header.readBigUInt64LE(12)) * 512);
    case 'vdi':
      if (header.length < 0x178 || header.readUInt32LE(0x40) !== 0xbeda107f) return null;
      return nonZero(Number(header.readBigUInt64LE(0x170)));
    default:
      return null;
  }
}

function nonZero(n: number): number | null {
  return n > 0 ? n : null;
}

const CLUSTER_BITS = 16;
const CLUSTER = 1 << CLUSTER_BITS;

/**
 * A valid, empty qcow2 (version 2) of the given virtual size: header, one
 * refcount table cluster, one refcount block and the L1 table; no data
 * clusters. `qemu-img check` finds it clean. Small enough to make at start.
 */
export function blankQcow2(virtualBytes: number): Buffer {
  // one L2 table maps CLUSTER/8 clusters
  const l1Entries = Math.max(1, Math.ceil(virtualBytes / ((CLUSTER / 8) * CLUSTER)));
  const l1Clusters = Math.ceil((l1Entries * 8) / CLUSTER);
  const clusters = 3 + l1Clusters;
  const buf = Buffer.alloc(clusters * CLUSTER);
  buf.writeUInt32BE(0x514649fb, 0); // "QFI\xfb"
  buf.writeUInt32BE(2, 4); // version
  buf.writeUInt32BE(CLUSTER_BITS, 20);
  buf.writeBigUInt64BE(BigInt(virtualBytes), 24);
  buf.writeUInt32BE(l1Entries, 36);
  buf.writeBigUInt64BE(BigInt(3 * CLUSTER), 40); // L1 table after the refcount structures
  buf.writeBigUInt64BE(BigInt(CLUSTER), 48); // refcount table
  buf.writeUInt32BE(1, 56); // refcount table clusters
  // refcount table → refcount block in cluster 2; every cluster in use counts once (16-bit refcounts)
  buf.writeBigUInt64BE(BigInt(2 * CLUSTER), CLUSTER);
  for (let c = 0; c < clusters; c++) buf.writeUInt16BE(1, 2 * CLUSTER + c * 2);
  return buf;
}

export async function writeBlankQcow2(path: string, virtualBytes: number): Promise<void> {
  await writeFile(path, blankQcow2(virtualBytes));
}
