// Image data throughput: a 1 GiB upload and download through the Glance API,
// as a ratio to `dd` writing the same size to the same disk (synced, as an
// upload is before the image turns active), with the server's peak RSS
// during the upload (it must stay flat: data is streamed, never buffered),
// and the same upload against the real Glance peer when it runs. Disks and
// CPUs shared with others are noisy: each case runs ROUNDS times, alternating,
// and the best of each counts (the load average is printed beside).
import { execFileSync } from 'node:child_process';
import { closeSync, createReadStream, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import http from 'node:http';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { answers, issueToken, startPocketstack, table } from './lib.mjs';

const SIZE = Number(process.env.IMAGE_BENCH_MIB ?? 1024) * 1024 * 1024;
const MiB = 1024 * 1024;
const ROUNDS = Number(process.env.IMAGE_BENCH_ROUNDS ?? 3);

function rssOf(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** CPU seconds (user + system) a process has used so far; clock ticks are 1/100 s on Linux. */
function cpuOf(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** Samples a process's RSS every 20 ms until stopped; resolves with the peak. */
function sampleRss(pid) {
  let peak = rssOf(pid);
  const timer = setInterval(() => {
    peak = Math.max(peak, rssOf(pid));
  }, 20);
  return () => {
    clearInterval(timer);
    return Math.max(peak, rssOf(pid));
  };
}

function makeSource(path) {
  const block = Buffer.alloc(MiB);
  for (let i = 0; i < block.length; i += 4) block.writeUInt32LE((i * 2654435761) >>> 0, i);
  const fd = openSync(path, 'w');
  for (let done = 0; done < SIZE; done += MiB) writeSync(fd, block, 0, Math.min(MiB, SIZE - done));
  closeSync(fd);
}

function ddSeconds(dir) {
  const out = join(dir, 'dd.bench');
  execFileSync('sync');
  const t0 = performance.now();
  execFileSync('dd', ['if=/dev/zero', `of=${out}`, 'bs=1M', `count=${SIZE / MiB}`, 'conv=fdatasync'], {
    stdio: 'ignore',
  });
  const s = (performance.now() - t0) / 1000;
  rmSync(out, { force: true });
  return s;
}

async function json(url, token, method, body) {
  const res = await fetch(url, {
    method,
    headers: { 'x-auth-token': token, 'content-type': 'application/json', accept: 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${url}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/** PUTs the file with Node's http client (streamed, Content-Length set); resolves with seconds. */
function put(url, token, file) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = http.request(url, {
      method: 'PUT',
      headers: { 'x-auth-token': token, 'content-type': 'application/octet-stream', 'content-length': SIZE },
    });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () =>
        res.statusCode === 204
          ? resolve((performance.now() - t0) / 1000)
          : reject(new Error(`upload ${res.statusCode}`)),
      );
    });
    req.on('error', reject);
    createReadStream(file, { highWaterMark: MiB }).pipe(req);
  });
}

/** GETs the data, counting bytes; resolves with seconds. */
function get(url, token) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    http
      .get(url, { headers: { 'x-auth-token': token } }, (res) => {
        let n = 0;
        res.on('data', (c) => {
          n += c.length;
        });
        res.on('end', () =>
          n === SIZE ? resolve((performance.now() - t0) / 1000) : reject(new Error(`got ${n} bytes`)),
        );
      })
      .on('error', reject);
  });
}

async function roundTrip(imageUrl, token, file, pid) {
  const image = await json(`${imageUrl}/v2/images`, token, 'POST', {
    name: 'bench-1g',
    disk_format: 'raw',
    container_format: 'bare',
  });
  execFileSync('sync'); // the previous case's dirty pages are not this one's to write
  const before = pid ? rssOf(pid) : 0;
  const stop = pid ? sampleRss(pid) : () => 0;
  const cpu0 = pid ? cpuOf(pid) : 0;
  const up = await put(`${imageUrl}/v2/images/${image.id}/file`, token, file);
  const cpu = pid ? cpuOf(pid) - cpu0 : 0;
  const peak = stop();
  const down = await get(`${imageUrl}/v2/images/${image.id}/file`, token);
  await json(`${imageUrl}/v2/images/${image.id}`, token, 'DELETE');
  return { up, down, before, peak, cpu };
}

export default async function main() {
  const ps = await startPocketstack();
  const file = join(ps.dataDir, 'source.bench');
  try {
    makeSource(file);
    const token = await issueToken(`${ps.url}/identity/v3`);
    const peer = await answers('http://127.0.0.1:9292/');
    const peerToken = peer ? await issueToken('http://127.0.0.1:35357/v3', { project: 'demo' }) : undefined;
    let dd = Infinity;
    let r = { up: Infinity, down: Infinity, before: 0, peak: 0, cpu: Infinity };
    let g = { up: Infinity, down: Infinity };
    for (let i = 0; i < ROUNDS; i++) {
      dd = Math.min(dd, ddSeconds(ps.dataDir));
      const x = await roundTrip(`${ps.url}/image`, token, file, ps.pid);
      r = {
        up: Math.min(r.up, x.up),
        down: Math.min(r.down, x.down),
        before: x.before,
        peak: Math.max(r.peak, x.peak),
        cpu: Math.min(r.cpu, x.cpu),
      };
      if (peerToken) {
        const y = await roundTrip('http://127.0.0.1:9292', peerToken, file);
        g = { up: Math.min(g.up, y.up), down: Math.min(g.down, y.down) };
      }
    }
    const ddRate = SIZE / MiB / dd;
    const rows = [
      {
        case: `dd write ${SIZE / MiB} MiB (fdatasync)`,
        'MiB/s': ddRate,
        'ratio to dd': 1,
        'rss before MiB': '',
        'rss peak MiB': '',
        'server CPU s': '',
      },
      {
        case: 'pocketstack upload',
        'MiB/s': SIZE / MiB / r.up,
        'ratio to dd': dd / r.up,
        'rss before MiB': r.before / MiB,
        'rss peak MiB': r.peak / MiB,
        'server CPU s': r.cpu,
      },
      {
        case: 'pocketstack download',
        'MiB/s': SIZE / MiB / r.down,
        'ratio to dd': dd / r.down,
        'rss before MiB': '',
        'rss peak MiB': '',
      },
    ];
    if (peerToken) {
      rows.push(
        {
          case: 'Glance peer upload',
          'MiB/s': SIZE / MiB / g.up,
          'ratio to dd': dd / g.up,
          'rss before MiB': '',
          'rss peak MiB': '',
        },
        {
          case: 'Glance peer download',
          'MiB/s': SIZE / MiB / g.down,
          'ratio to dd': dd / g.down,
          'rss before MiB': '',
          'rss peak MiB': '',
        },
      );
    } else {
      rows.push({ case: 'Glance peer: not running (../shared/peers/glance.sh start)', 'MiB/s': '' });
    }
    console.log(
      `best of ${ROUNDS} rounds; load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
    );
    table(rows);
  } finally {
    rmSync(file, { force: true });
    await ps.stop();
  }
}
