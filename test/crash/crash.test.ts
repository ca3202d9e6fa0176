import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// `npm run test:crash` (issue 16; bin/pocketstack.js rebuilds a stale bundle): a started pocketstack under concurrent
// create/delete/upload load is killed with SIGKILL at a random moment and
// started again on the same data dir, CRASH_ROUNDS times (seeded). After each
// start: every resource reaches a final state within 60 s, none whose create
// was acknowledged is lost, none is there twice, none whose delete was
// acknowledged comes back, and no file in the data dir lacks a record.

const ROUNDS = Number(process.env.CRASH_ROUNDS ?? 3);
const CLIENTS = Number(process.env.CRASH_CLIENTS ?? 8);
let seed = Number(process.env.CRASH_SEED ?? 16) >>> 0;
const rand = () => {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

type Kind = 'image' | 'volume' | 'network' | 'server';
interface Made {
  kind: Kind;
  id: string;
  name: string;
  uploaded?: boolean;
  deleted?: boolean;
}

describe(`crash: ${ROUNDS} rounds of kill -9 under ${CLIENTS} clients`, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'pocketstack-crash-suite-'));
  let child: ChildProcess | undefined;
  afterAll(async () => {
    if (child && child.exitCode === null) {
      child.kill('SIGKILL');
      await new Promise((r) => child!.once('exit', r));
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function start(): Promise<string> {
    const c = spawn(
      process.execPath,
      [
        join(root, 'bin/pocketstack.js'),
        'start',
        '--port',
        '0',
        '--data-dir',
        dataDir,
        '--log-level',
        'warn',
        '--network-driver',
        'fake',
        '--compute-driver',
        'fake',
        '--no-host-setup',
        '--default-image',
        'blank',
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    child = c;
    return new Promise((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`no start within 60 s: ${out}`)), 60_000);
      c.stdout!.on('data', (d) => {
        out += d;
        const m = /running on (http:\/\/[^\s]+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      c.once('exit', (code) => reject(new Error(`pocketstack exited ${code}: ${out}`)));
    });
  }

  async function token(url: string, user = 'demo'): Promise<string> {
    const r = await fetch(`${url}/identity/v3/auth/tokens?nocatalog`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        auth: {
          identity: {
            methods: ['password'],
            password: { user: { name: user, domain: { id: 'default' }, password: 'secret' } },
          },
          scope: { project: { name: user, domain: { id: 'default' } } },
        },
      }),
    });
    if (r.status !== 201) throw new Error(`token: ${r.status}`);
    return r.headers.get('x-subject-token')!;
  }

  const made: Made[] = [];
  let counter = 0;

  /** One client: creates, uploads and deletes until the process dies under it. */
  async function client(url: string, tok: string, project: string, stop: { dead: boolean }) {
    const h = { 'x-auth-token': tok, 'content-type': 'application/json' };
    const post = (path: string, body: unknown) =>
      // 2.37: a server with networks "none"
      fetch(`${url}${path}`, {
        method: 'POST',
        headers: { ...h, 'x-openstack-nova-api-version': '2.37' },
        body: JSON.stringify(body),
      });
    while (!stop.dead) {
      const name = `crash-${counter++}`;
      try {
        const what = Math.floor(rand() * 5);
        if (what === 0) {
          const r = await post('/image/v2/images', { name, disk_format: 'raw', container_format: 'bare' });
          if (r.status !== 201) continue;
          const m: Made = { kind: 'image', id: (await r.json()).id, name };
          made.push(m);
          const data = Buffer.alloc((1 + Math.floor(rand() * 8)) << 20, 1);
          const up = await fetch(`${url}/image/v2/images/${m.id}/file`, {
            method: 'PUT',
            headers: { 'x-auth-token': tok, 'content-type': 'application/octet-stream' },
            body: data,
          });
          if (up.status === 204) m.uploaded = true;
        } else if (what === 1) {
          const r = await post(`/volume/v3/${project}/volumes`, { volume: { size: 1, name } });
          if (r.status === 202) made.push({ kind: 'volume', id: (await r.json()).volume.id, name });
        } else if (what === 2) {
          const r = await post('/networking/v2.0/networks', { network: { name } });
          if (r.status === 201) made.push({ kind: 'network', id: (await r.json()).network.id, name });
        } else if (what === 3) {
          const image = made.find((m) => m.kind === 'image' && m.uploaded && !m.deleted);
          if (!image) continue;
          const r = await post('/compute/v2.1/servers', {
            server: { name, imageRef: image.id, flavorRef: '1', networks: 'none' },
          });
          if (r.status === 202) made.push({ kind: 'server', id: (await r.json()).server.id, name });
        } else {
          const live = made.filter((m) => !m.deleted && m.kind !== 'image');
          if (!live.length) continue;
          const m = live[Math.floor(rand() * live.length)];
          const path = {
            volume: `/volume/v3/${project}/volumes/${m.id}`,
            network: `/networking/v2.0/networks/${m.id}`,
            server: `/compute/v2.1/servers/${m.id}`,
            image: `/image/v2/images/${m.id}`,
          }[m.kind];
          const r = await fetch(`${url}${path}`, { method: 'DELETE', headers: { 'x-auth-token': tok } });
          if (r.status === 202 || r.status === 204) m.deleted = true;
        }
      } catch {
        // the process died under the request: not acknowledged
      }
    }
  }

  const FINAL: Record<Kind, string[]> = {
    image: ['active', 'queued'],
    volume: ['available', 'error'],
    network: ['ACTIVE'],
    server: ['ACTIVE', 'ERROR'],
  };

  async function listAll(url: string, tok: string, project: string) {
    const get = async (path: string) => (await fetch(`${url}${path}`, { headers: { 'x-auth-token': tok } })).json();
    const images = (await get('/image/v2/images?limit=1000')).images as Array<{
      id: string;
      name: string;
      status: string;
    }>;
    const volumes = (await get(`/volume/v3/${project}/volumes/detail?limit=1000`)).volumes as Array<{
      id: string;
      name: string;
      status: string;
    }>;
    const networks = (await get('/networking/v2.0/networks')).networks as Array<{
      id: string;
      name: string;
      status: string;
    }>;
    const servers = (
      (await get('/compute/v2.1/servers/detail?limit=1000')).servers as Array<{
        id: string;
        name: string;
        status: string;
        'OS-EXT-STS:task_state'?: string | null;
      }>
    ).map((s) => ({ ...s, task: s['OS-EXT-STS:task_state'] }));
    return { image: images, volume: volumes, network: networks, server: servers };
  }

  it('loses nothing acknowledged, duplicates nothing, settles within 60 s and leaves no file without a record', async () => {
    const counts: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      let url = await start();
      const admin = await token(url, 'admin');
      const projects = await (
        await fetch(`${url}/identity/v3/projects?name=demo`, { headers: { 'x-auth-token': admin } })
      ).json();
      const project = projects.projects[0].id as string;
      const tok = await token(url);
      const stop = { dead: false };
      const load = Array.from({ length: CLIENTS }, () => client(url, tok, project, stop));
      await new Promise((r) => setTimeout(r, 1000 + rand() * 4000));
      child!.kill('SIGKILL');
      await new Promise((r) => child!.once('exit', r));
      stop.dead = true;
      await Promise.all(load);

      url = await start();
      const tok2 = await token(url);
      const deadline = Date.now() + 60_000;
      let seen = await listAll(url, tok2, project);
      const unsettled = () =>
        (Object.keys(FINAL) as Kind[]).flatMap((k) =>
          seen[k]
            .filter((r) => r.name?.startsWith('crash-') && !FINAL[k].includes(r.status))
            .map((r) => `${k} ${r.id} ${r.status}${'task' in r && r.task ? ` (${r.task})` : ''}`),
        );
      while (unsettled().length && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 500));
        seen = await listAll(url, tok2, project);
      }
      expect(unsettled(), `round ${round}: not settled within 60 s`).toEqual([]);
      const lost: string[] = [];
      const back: string[] = [];
      for (const m of made) {
        const there = seen[m.kind].filter((r) => r.id === m.id);
        if (!m.deleted && there.length === 0) lost.push(`${m.kind} ${m.id}`);
        if (m.deleted && there.length) back.push(`${m.kind} ${m.id}`);
        if (m.kind === 'image' && m.uploaded && !m.deleted && there[0]?.status !== 'active')
          lost.push(`image data ${m.id} (${there[0]?.status})`);
      }
      expect(lost, `round ${round}: acknowledged creates lost`).toEqual([]);
      expect(back, `round ${round}: acknowledged deletes back`).toEqual([]);
      const dupes = (Object.keys(FINAL) as Kind[]).flatMap((k) => {
        const names = seen[k].map((r) => r.name).filter((n) => n?.startsWith('crash-'));
        return names.filter((n, i) => names.indexOf(n) !== i).map((n) => `${k} ${n}`);
      });
      expect(dupes, `round ${round}: duplicates`).toEqual([]);
      // every file named by a uuid under images/ and volumes/ has its record
      const ids = new Set([...seen.image, ...seen.volume].map((r) => r.id));
      const allImages = await (
        await fetch(`${url}/image/v2/images?limit=1000`, { headers: { 'x-auth-token': admin } })
      ).json();
      for (const i of allImages.images) ids.add(i.id);
      const orphans: string[] = [];
      for (const dir of ['images', 'images/staging', 'volumes']) {
        let names: string[] = [];
        try {
          names = readdirSync(join(dataDir, dir));
        } catch {
          continue;
        }
        for (const n of names) {
          const id = /volume-([0-9a-f-]{36})/.exec(n)?.[1] ?? UUID.exec(n)?.[0];
          if (!id) continue;
          if (!ids.has(id) || n.endsWith('.part') || n.endsWith('.tmp')) orphans.push(`${dir}/${n}`);
        }
      }
      expect(orphans, `round ${round}: files without a record`).toEqual([]);
      counts.push(
        `round ${round}: ${made.length} acknowledged creates (${made.filter((m) => m.deleted).length} deleted), ` +
          (Object.keys(FINAL) as Kind[])
            .map((k) => `${seen[k].filter((r) => r.name?.startsWith('crash-')).length} ${k}s`)
            .join(', '),
      );
      child!.kill('SIGTERM');
      await new Promise((r) => child!.once('exit', r));
    }
    console.log(counts.join('\n'));
  }, 900_000);
});
