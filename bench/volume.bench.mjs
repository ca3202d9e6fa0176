// Volume benchmarks against a started pocketstack (file driver, real files):
//  1. an empty 1 GiB volume: create → available latency, and the disk space
//     it takes (it must not write 1 GiB: the file is sparse);
//  2. a 1 GiB volume from a 1 GiB qcow2 image (1008 MiB of data): create →
//     available throughput, as a ratio to `qemu-img convert` of the same
//     image on the same disk;
//  3. a full backup of that volume, then incremental backups after changing
//     1 % of it (as 256 KiB extents, then as scattered 4 KiB blocks): the
//     bytes each stores, as a share of the volume, and its time.
// Disks shared with others are noisy: timed cases run ROUNDS times, best counts.
import { execFileSync } from 'node:child_process';
import { closeSync, createReadStream, ftruncateSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import http from 'node:http';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { issueToken, startPocketstack, table } from './lib.mjs';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const ROUNDS = Number(process.env.VOLUME_BENCH_ROUNDS ?? 3);
const H = { 'openstack-api-version': 'volume 3.67' };

async function call(base, token, method, path, body) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { 'x-auth-token': token, 'content-type': 'application/json', accept: 'application/json', ...H },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/** Polls until the resource leaves its transitional status; resolves with it. */
async function settle(base, token, path, key, busy) {
  for (;;) {
    const r = (await call(base, token, 'GET', path))[key];
    if (!busy.includes(r.status)) return r;
    await new Promise((res) => setTimeout(res, 5));
  }
}

const allocated = (path) => statSync(path).blocks * 512;

/**
 * A raw disk of `size` bytes whose first `data` bytes are non-zero (the rest
 * stays a hole: Cinder refuses an image whose data is larger than the volume,
 * so a 1 GiB image must leave room for qcow2's own metadata).
 */
function writePattern(path, size, data = size) {
  const block = Buffer.alloc(MiB);
  for (let i = 0; i < block.length; i += 4) block.writeUInt32LE((i * 2654435761) >>> 0, i);
  const fd = openSync(path, 'w');
  ftruncateSync(fd, size);
  for (let done = 0; done < data; done += MiB) {
    block.writeUInt32LE(done / MiB, 0); // every MiB differs
    writeSync(fd, block, 0, Math.min(MiB, data - done), done);
  }
  closeSync(fd);
}

function put(url, token, file) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, {
      method: 'PUT',
      headers: {
        'x-auth-token': token,
        'content-type': 'application/octet-stream',
        'content-length': statSync(file).size,
      },
    });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => (res.statusCode < 300 ? resolve() : reject(new Error(`upload: ${res.statusCode}`))));
    });
    req.on('error', reject);
    createReadStream(file).pipe(req);
  });
}

export default async function () {
  const ps = await startPocketstack();
  try {
    const token = await issueToken(`${ps.url}/identity/v3`);
    const vol = `${ps.url}/volume/v3`;
    const volFile = (id) => join(ps.dataDir, 'volumes', `volume-${id}.raw`);
    const rows = [];

    // 1. empty volumes
    const times = [];
    let space = 0;
    for (let i = 0; i < 10; i++) {
      const t0 = performance.now();
      const v = (await call(vol, token, 'POST', '/volumes', { volume: { size: 1 } })).volume;
      await settle(vol, token, `/volumes/${v.id}`, 'volume', ['creating']);
      times.push(performance.now() - t0);
      space = Math.max(space, allocated(volFile(v.id)));
      await call(vol, token, 'DELETE', `/volumes/${v.id}`);
    }
    times.sort((a, b) => a - b);
    rows.push({
      case: 'empty 1 GiB volume create → available',
      value: times[Math.floor(times.length / 2)],
      unit: 'ms (p50)',
      note: `${space} bytes allocated`,
    });

    // 2. a 1 GiB volume from a 1 GiB qcow2 image
    const raw = join(ps.dataDir, 'bench-image.raw');
    const qcow = join(ps.dataDir, 'bench-image.qcow2');
    writePattern(raw, GiB, GiB - 16 * MiB);
    execFileSync('qemu-img', ['convert', '-q', '-f', 'raw', '-O', 'qcow2', raw, qcow]);
    rmSync(raw);
    const image = await call(`${ps.url}/image/v2`, token, 'POST', '/images', {
      name: 'bench',
      disk_format: 'qcow2',
      container_format: 'bare',
    });
    await put(`${ps.url}/image/v2/images/${image.id}/file`, token, qcow);
    let best = Number.POSITIVE_INFINITY;
    let bestConvert = Number.POSITIVE_INFINITY;
    let full;
    for (let r = 0; r < ROUNDS; r++) {
      const out = join(ps.dataDir, 'bench-convert.raw');
      // each timed write starts with no dirty pages of the one before (else
      // whichever runs second pays for the first one's writeback)
      execFileSync('sync');
      const c0 = performance.now();
      execFileSync('qemu-img', ['convert', '-q', '-f', 'qcow2', '-O', 'raw', qcow, out]);
      bestConvert = Math.min(bestConvert, performance.now() - c0);
      rmSync(out);
      execFileSync('sync');
      const t0 = performance.now();
      const v = (await call(vol, token, 'POST', '/volumes', { volume: { size: 1, imageRef: image.id } })).volume;
      const done = await settle(vol, token, `/volumes/${v.id}`, 'volume', ['creating', 'downloading']);
      if (done.status !== 'available') throw new Error(`volume from image: ${done.status}`);
      best = Math.min(best, performance.now() - t0);
      if (full) await call(vol, token, 'DELETE', `/volumes/${full.id}`);
      full = v;
    }
    rows.push({
      case: '1 GiB volume from qcow2 image → available',
      value: 1024 / (best / 1000),
      unit: 'MiB/s',
      note: `${(best / 1000).toFixed(2)} s`,
    });
    rows.push({
      case: 'qemu-img convert of the same image',
      value: 1024 / (bestConvert / 1000),
      unit: 'MiB/s',
      note: `ratio pocketstack/qemu-img ${(bestConvert / best).toFixed(2)}`,
    });

    // 3. full backup, change 1 % in scattered 4 KiB writes, incremental backup
    const backupDir = (id) => join(ps.dataDir, 'backups', id, 'data');
    const b0 = performance.now();
    const fullBackup = (await call(vol, token, 'POST', '/backups', { backup: { volume_id: full.id } })).backup;
    const fb = await settle(vol, token, `/backups/${fullBackup.id}`, 'backup', ['creating']);
    const fullSecs = (performance.now() - b0) / 1000;
    rows.push({
      case: 'full backup of a full 1 GiB volume',
      value: 1024 / fullSecs,
      unit: 'MiB/s',
      note: `${fb.status}, stored ${(statSync(backupDir(fb.id)).size / MiB).toFixed(1)} MiB`,
    });
    // 1 % of the volume rewritten, as extents (filesystem writes cluster) and
    // then as scattered 4 KiB blocks (the worst case for any chunked backup)
    let seed = 12345;
    const rand = (n) => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed % n;
    };
    const change = (extent) => {
      const fd = openSync(volFile(full.id), 'r+');
      const block = Buffer.alloc(extent);
      for (let i = 0; i < Math.round((GiB * 0.01) / extent); i++) {
        block.fill(1 + rand(255));
        writeSync(fd, block, 0, extent, rand((GiB - extent) / 4096) * 4096);
      }
      closeSync(fd);
    };
    for (const [extent, label] of [
      [256 * 1024, '256 KiB extents'],
      [4096, 'scattered 4 KiB blocks'],
    ]) {
      change(extent);
      const i0 = performance.now();
      const inc = (await call(vol, token, 'POST', '/backups', { backup: { volume_id: full.id, incremental: true } }))
        .backup;
      const ib = await settle(vol, token, `/backups/${inc.id}`, 'backup', ['creating']);
      const incSecs = (performance.now() - i0) / 1000;
      const stored = statSync(backupDir(ib.id)).size;
      rows.push({
        case: `incremental backup after 1 % changed in ${label}`,
        value: (stored / GiB) * 100,
        unit: '% of volume stored',
        note: `${ib.status}, ${(stored / MiB).toFixed(1)} MiB in ${incSecs.toFixed(2)} s`,
      });
    }
    console.log(
      `load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
    table(rows);
  } finally {
    await ps.stop();
  }
}
