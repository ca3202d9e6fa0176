// An ISO 9660 image written byte by byte, for config drives: Nova's
// config drive is an ISO with volume label "config-2" that cloud-init mounts
// and reads by long file names (openstack/latest/meta_data.json). We write
// the primary tree with ISO 8.3 names and a Joliet tree with the real names
// (Linux, blkid and isoinfo -J read Joliet), both pointing at the same file
// data. No temporary mount, no external tool.

const SECTOR = 2048;

export interface IsoFile {
  /** Slash-separated path, e.g. "openstack/latest/meta_data.json". */
  path: string;
  data: Buffer;
}

interface Dir {
  name: string;
  parent?: Dir;
  dirs: Dir[];
  files: { name: string; data: Buffer; extent: number }[];
  /** Per tree: extent, size in bytes, path table number. */
  at: Record<'iso' | 'joliet', { extent: number; size: number; number: number }>;
}

function both16(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt16LE(n, 0);
  b.writeUInt16BE(n, 2);
  return b;
}

function both32(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt32LE(n, 0);
  b.writeUInt32BE(n, 4);
  return b;
}

function recordDate(d: Date): Buffer {
  return Buffer.from([
    d.getUTCFullYear() - 1900,
    d.getUTCMonth() + 1,
    d.getUTCDate(),
    d.getUTCHours(),
    d.getUTCMinutes(),
    d.getUTCSeconds(),
    0,
  ]);
}

function volumeDate(d: Date): Buffer {
  const digits = d
    .toISOString()
    .replace(/[-:T]/g, '')
    .replace(/\.(\d\d)\d*Z$/, '$1');
  return Buffer.concat([Buffer.from(digits, 'ascii'), Buffer.from([0])]);
}

/** Padded a-/d-character field (primary) or UCS-2 big-endian field (Joliet). */
function textField(s: string, len: number, joliet: boolean): Buffer {
  if (!joliet) return Buffer.from(s.padEnd(len, ' ').slice(0, len), 'ascii');
  const b = Buffer.alloc(len);
  for (let i = 0; i < Math.floor(len / 2); i++) b.writeUInt16BE(i < s.length ? s.charCodeAt(i) : 0x20, i * 2);
  return b;
}

function ucs2(s: string): Buffer {
  const b = Buffer.alloc(s.length * 2);
  for (let i = 0; i < s.length; i++) b.writeUInt16BE(s.charCodeAt(i), i * 2);
  return b;
}

/** An ISO 9660 name: upper case d-characters, 8.3 for files (";1" version), 8 for directories. */
function isoName(name: string, isDir: boolean, taken: Set<string>): string {
  const clean = (s: string) => s.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
  const dot = isDir ? -1 : name.lastIndexOf('.');
  let base = clean(dot > 0 ? name.slice(0, dot) : name).slice(0, 8);
  const ext = dot > 0 ? clean(name.slice(dot + 1)).slice(0, 3) : '';
  for (let n = 1; taken.has(base + ext); n++) base = `${base.slice(0, 8 - String(n).length - 1)}_${n}`;
  taken.add(base + ext);
  return isDir ? base : `${base}.${ext};1`;
}

function dirRecord(id: Buffer, extent: number, size: number, isDir: boolean, date: Date): Buffer {
  const len = 33 + id.length + (id.length % 2 === 0 ? 1 : 0);
  const r = Buffer.alloc(len);
  r[0] = len;
  both32(extent).copy(r, 2);
  both32(size).copy(r, 10);
  recordDate(date).copy(r, 18);
  r[25] = isDir ? 2 : 0;
  both16(1).copy(r, 28);
  r[32] = id.length;
  id.copy(r, 33);
  return r;
}

/** Records laid out in sectors: a record never crosses a sector boundary. */
function sectorize(records: Buffer[]): Buffer {
  const out: Buffer[] = [];
  let used = 0;
  for (const r of records) {
    if (used + r.length > SECTOR) {
      out.push(Buffer.alloc(SECTOR - used));
      used = 0;
    }
    out.push(r);
    used += r.length;
  }
  if (used % SECTOR) out.push(Buffer.alloc(SECTOR - used));
  return Buffer.concat(out);
}

const sectors = (bytes: number) => Math.ceil(bytes / SECTOR);

/** Builds an ISO 9660 image with a Joliet tree holding `files`, volume label `label`. */
export function buildIso(label: string, files: IsoFile[], date = new Date()): Buffer {
  const root: Dir = { name: '', dirs: [], files: [], at: {} as Dir['at'] };
  for (const f of files) {
    const parts = f.path.split('/').filter(Boolean);
    let d = root;
    for (const p of parts.slice(0, -1)) {
      let next = d.dirs.find((x) => x.name === p);
      if (!next) {
        next = { name: p, parent: d, dirs: [], files: [], at: {} as Dir['at'] };
        d.dirs.push(next);
      }
      d = next;
    }
    d.files.push({ name: parts[parts.length - 1], data: f.data, extent: 0 });
  }

  // breadth-first order, children by name: the path table's order
  const order: Dir[] = [root];
  for (let i = 0; i < order.length; i++) {
    order[i].dirs.sort((a, b) => (a.name < b.name ? -1 : 1));
    order[i].files.sort((a, b) => (a.name < b.name ? -1 : 1));
    order.push(...order[i].dirs);
  }
  const isoNames = new Map<object, string>();
  for (const d of order) {
    const taken = new Set<string>();
    for (const c of d.dirs) isoNames.set(c, isoName(c.name, true, taken));
    for (const f of d.files) isoNames.set(f, isoName(f.name, false, taken));
  }
  const idOf = (node: object, name: string, joliet: boolean) =>
    joliet ? ucs2(name) : Buffer.from(isoNames.get(node) ?? name, 'ascii');

  // sizes of each directory's records, per tree
  const recordsSize = (d: Dir, joliet: boolean) => {
    const lens = [34, 34];
    for (const c of d.dirs) lens.push(dirRecord(idOf(c, c.name, joliet), 0, 0, true, date).length);
    for (const f of d.files) lens.push(dirRecord(idOf(f, f.name, joliet), 0, 0, false, date).length);
    let used = 0;
    let total = 0;
    for (const l of lens) {
      if (used + l > SECTOR) {
        total += SECTOR - used;
        used = 0;
      }
      used += l;
      total += l;
    }
    return sectors(total) * SECTOR;
  };

  const pathTable = (joliet: boolean, bigEndian: boolean) => {
    const parts: Buffer[] = [];
    for (const d of order) {
      const id = d === root ? Buffer.from([0]) : idOf(d, d.name, joliet);
      const r = Buffer.alloc(8 + id.length + (id.length % 2));
      r[0] = id.length;
      const tree = d.at[joliet ? 'joliet' : 'iso'];
      const parentNo = d.parent ? d.parent.at[joliet ? 'joliet' : 'iso'].number : 1;
      if (bigEndian) {
        r.writeUInt32BE(tree.extent, 2);
        r.writeUInt16BE(parentNo, 6);
      } else {
        r.writeUInt32LE(tree.extent, 2);
        r.writeUInt16LE(parentNo, 6);
      }
      id.copy(r, 8);
      parts.push(r);
    }
    return Buffer.concat(parts);
  };

  // layout: 16 system sectors, PVD, SVD, terminator, 4 path tables, directories, file data
  let next = 19;
  for (const t of ['iso', 'joliet'] as const)
    for (const [i, d] of order.entries()) d.at[t] = { extent: 0, size: 0, number: i + 1 };
  const ptSize = { iso: pathTable(false, false).length, joliet: pathTable(true, false).length };
  const pt = {
    isoL: next,
    isoM: (next += sectors(ptSize.iso)),
    jolL: (next += sectors(ptSize.iso)),
    jolM: (next += sectors(ptSize.joliet)),
  };
  next += sectors(ptSize.joliet);
  for (const t of ['iso', 'joliet'] as const) {
    for (const d of order) {
      const size = recordsSize(d, t === 'joliet');
      d.at[t] = { ...d.at[t], extent: next, size };
      next += size / SECTOR;
    }
  }
  for (const d of order) {
    for (const f of d.files) {
      f.extent = next;
      next += Math.max(sectors(f.data.length), 0);
    }
  }
  const total = next;

  const image = Buffer.alloc(total * SECTOR);
  const put = (sector: number, b: Buffer) => b.copy(image, sector * SECTOR);

  const descriptor = (joliet: boolean) => {
    const v = Buffer.alloc(SECTOR);
    v[0] = joliet ? 2 : 1;
    v.write('CD001', 1, 'ascii');
    v[6] = 1;
    textField('LINUX', 32, joliet).copy(v, 8);
    textField(label, 32, joliet).copy(v, 40);
    both32(total).copy(v, 80);
    if (joliet) v.write('%/E', 88, 'ascii');
    both16(1).copy(v, 120);
    both16(1).copy(v, 124);
    both16(SECTOR).copy(v, 128);
    both32(joliet ? ptSize.joliet : ptSize.iso).copy(v, 132);
    v.writeUInt32LE(joliet ? pt.jolL : pt.isoL, 140);
    v.writeUInt32BE(joliet ? pt.jolM : pt.isoM, 148);
    const r = root.at[joliet ? 'joliet' : 'iso'];
    dirRecord(Buffer.from([0]), r.extent, r.size, true, date).copy(v, 156);
    for (const [off, len] of [
      [190, 128],
      [318, 128],
      [446, 128],
    ])
      textField('', len, joliet).copy(v, off);
    textField('POCKETSTACK', 128, joliet).copy(v, 574);
    for (const off of [702, 739, 776]) textField('', 37, joliet).copy(v, off);
    volumeDate(date).copy(v, 813);
    volumeDate(date).copy(v, 830);
    Buffer.concat([Buffer.from('0000000000000000', 'ascii'), Buffer.from([0])]).copy(v, 847);
    volumeDate(date).copy(v, 864);
    v[881] = 1;
    return v;
  };
  put(16, descriptor(false));
  put(17, descriptor(true));
  const term = Buffer.alloc(SECTOR);
  term[0] = 255;
  term.write('CD001', 1, 'ascii');
  term[6] = 1;
  put(18, term);

  put(pt.isoL, pathTable(false, false));
  put(pt.isoM, pathTable(false, true));
  put(pt.jolL, pathTable(true, false));
  put(pt.jolM, pathTable(true, true));

  for (const t of ['iso', 'joliet'] as const) {
    const joliet = t === 'joliet';
    for (const d of order) {
      const self = d.at[t];
      const parent = (d.parent ?? d).at[t];
      const records = [
        dirRecord(Buffer.from([0]), self.extent, self.size, true, date),
        dirRecord(Buffer.from([1]), parent.extent, parent.size, true, date),
        ...d.dirs.map((c) => dirRecord(idOf(c, c.name, joliet), c.at[t].extent, c.at[t].size, true, date)),
        ...d.files.map((f) => dirRecord(idOf(f, f.name, joliet), f.extent, f.data.length, false, date)),
      ];
      put(self.extent, sectorize(records));
    }
  }
  for (const d of order) for (const f of d.files) put(f.extent, f.data);
  return image;
}
