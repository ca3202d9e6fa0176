// An initramfs archive: cpio "newc" (the format the kernel unpacks), written
// here so that ownership (root), modes and device nodes (/dev/console) are
// whatever the image needs, whoever builds it, without root and without a
// cpio binary. Entries are written in the order given (parents first).

export type CpioEntry =
  | { path: string; type: 'dir'; mode?: number; uid?: number; gid?: number }
  | { path: string; type: 'file'; data: Buffer; mode?: number; uid?: number; gid?: number }
  | { path: string; type: 'symlink'; target: string }
  | { path: string; type: 'char'; major: number; minor: number; mode?: number };

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const S_IFCHR = 0o020000;

function pad4(n: number): number {
  return (4 - (n % 4)) % 4;
}

function header(fields: number[], name: string): Buffer {
  const hex = fields.map((f) => f.toString(16).padStart(8, '0')).join('');
  const nameBytes = Buffer.from(`${name}\0`);
  const head = Buffer.from(`070701${hex}`, 'latin1');
  return Buffer.concat([head, nameBytes, Buffer.alloc(pad4(head.length + nameBytes.length))]);
}

/** The archive (uncompressed); mtime fixed so the same inputs give the same bytes. */
export function cpioArchive(entries: CpioEntry[], mtime = 0): Buffer {
  const parts: Buffer[] = [];
  let ino = 1;
  for (const e of entries) {
    const name = e.path.replace(/^\/+/, '');
    let mode: number;
    let data: Buffer = Buffer.alloc(0);
    let rdev = [0, 0];
    let owner = [0, 0];
    switch (e.type) {
      case 'dir':
        mode = S_IFDIR | (e.mode ?? 0o755);
        owner = [e.uid ?? 0, e.gid ?? 0];
        break;
      case 'file':
        mode = S_IFREG | (e.mode ?? 0o644);
        data = e.data;
        owner = [e.uid ?? 0, e.gid ?? 0];
        break;
      case 'symlink':
        mode = S_IFLNK | 0o777;
        data = Buffer.from(e.target);
        break;
      case 'char':
        mode = S_IFCHR | (e.mode ?? 0o600);
        rdev = [e.major, e.minor];
        break;
    }
    const nlink = e.type === 'dir' ? 2 : 1;
    const nameSize = Buffer.byteLength(name) + 1;
    parts.push(
      header([ino++, mode, owner[0], owner[1], nlink, mtime, data.length, 0, 0, rdev[0], rdev[1], nameSize, 0], name),
    );
    parts.push(data, Buffer.alloc(pad4(data.length)));
  }
  parts.push(header([0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 'TRAILER!!!'.length + 1, 0], 'TRAILER!!!'));
  return Buffer.concat(parts);
}
