// Reads just enough of an ELF64 little-endian file (x86_64) for the image
// builders: the shared libraries a program needs (DT_NEEDED, to copy
// dropbear's libraries into the tiny image) and a kernel module's modinfo
// (its `depends=`, since a .deb ships no modules.dep). No host tool needed.

interface Section {
  name: string;
  type: number;
  offset: number;
  size: number;
  link: number;
}

const SHT_DYNAMIC = 6;
const DT_NEEDED = 1;

function sections(elf: Buffer): Section[] {
  if (elf.length < 64 || elf.readUInt32BE(0) !== 0x7f454c46) throw new Error('not an ELF file');
  if (elf[4] !== 2 || elf[5] !== 1) throw new Error('not a 64-bit little-endian ELF file');
  const shoff = Number(elf.readBigUInt64LE(0x28));
  const shentsize = elf.readUInt16LE(0x3a);
  const shnum = elf.readUInt16LE(0x3c);
  const shstrndx = elf.readUInt16LE(0x3e);
  const raw = Array.from({ length: shnum }, (_, i) => {
    const at = shoff + i * shentsize;
    return {
      nameAt: elf.readUInt32LE(at),
      type: elf.readUInt32LE(at + 4),
      offset: Number(elf.readBigUInt64LE(at + 0x18)),
      size: Number(elf.readBigUInt64LE(at + 0x20)),
      link: elf.readUInt32LE(at + 0x28),
    };
  });
  const names = raw[shstrndx];
  return raw.map((s) => ({ ...s, name: cString(elf, names.offset + s.nameAt) }));
}

function cString(buf: Buffer, at: number): string {
  const end = buf.indexOf(0, at);
  return buf.toString('latin1', at, end < 0 ? buf.length : end);
}

/** The sonames a dynamically linked program or library needs (empty for a static one). */
export function neededLibraries(elf: Buffer): string[] {
  const all = sections(elf);
  const dynamic = all.find((s) => s.type === SHT_DYNAMIC);
  if (!dynamic) return [];
  const strtab = all[dynamic.link];
  const out: string[] = [];
  for (let at = dynamic.offset; at + 16 <= dynamic.offset + dynamic.size; at += 16) {
    const tag = Number(elf.readBigInt64LE(at));
    if (tag === 0) break;
    if (tag === DT_NEEDED) out.push(cString(elf, strtab.offset + Number(elf.readBigUInt64LE(at + 8))));
  }
  return out;
}

/** A kernel module's .modinfo entries (key → values; `depends` is comma-separated). */
export function modinfo(ko: Buffer): Map<string, string[]> {
  const info = sections(ko).find((s) => s.name === '.modinfo');
  const out = new Map<string, string[]>();
  if (!info) return out;
  for (const entry of ko.toString('latin1', info.offset, info.offset + info.size).split('\0')) {
    const eq = entry.indexOf('=');
    if (eq <= 0) continue;
    const key = entry.slice(0, eq);
    out.set(key, [...(out.get(key) ?? []), entry.slice(eq + 1)]);
  }
  return out;
}

/** The modules a kernel module depends on (names as in modinfo, e.g. `virtio_ring`). */
export function moduleDepends(ko: Buffer): string[] {
  return (modinfo(ko).get('depends')?.[0] ?? '').split(',').filter(Boolean);
}
