// Display formats, as Horizon writes them.

export function bytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return '—';
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${n} bytes` : `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

/** RAM in MB, as Nova counts it. */
export function megabytes(mb: number): string {
  return mb >= 1024 ? `${+(mb / 1024).toFixed(1)} GB` : `${mb} MB`;
}

/** "3 minutes ago" for recent times, the date otherwise. */
export function since(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '—';
  const t = Date.parse(/Z|[+-]\d\d:?\d\d$/.test(iso) ? iso : `${iso}Z`);
  if (Number.isNaN(t)) return iso;
  const s = Math.max(0, Math.round((now - t) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min ago`;
  return new Date(t).toISOString().slice(0, 16).replace('T', ' ');
}

/** A port range of a security group rule, as Horizon shows it. */
export function portRange(min: number | null | undefined, max: number | null | undefined): string {
  if (min === null || min === undefined) return 'Any';
  return min === max || max === null || max === undefined ? String(min) : `${min} - ${max}`;
}

/** The addresses of a server, "net: 10.0.0.3, 172.24.4.10". */
export function addresses(
  addrs: Record<string, { addr: string; 'OS-EXT-IPS:type'?: string }[]> | undefined,
): { network: string; fixed: string[]; floating: string[] }[] {
  return Object.entries(addrs ?? {}).map(([network, list]) => ({
    network,
    fixed: list.filter((a) => a['OS-EXT-IPS:type'] !== 'floating').map((a) => a.addr),
    floating: list.filter((a) => a['OS-EXT-IPS:type'] === 'floating').map((a) => a.addr),
  }));
}

/** Base64 of UTF-8 text (Nova's user_data). */
export function base64(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}
