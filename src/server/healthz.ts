import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sql } from 'kysely';
import type { Cloud } from '../cloud.js';
import { readDefaultImageState } from '../images/default-image.js';
import { initState } from '../init/hooks.js';
import { computeDriver } from '../services/compute/driver.js';
import { VERSION } from '../version.js';

// GET /healthz: unauthenticated readiness for people, `pocketstack wait` and
// CI. 200 when the API can serve (the database answers), 503 otherwise. The
// data plane may still be getting ready behind a serving API: host_setup
// (first start as root installs the real drivers' packages in the
// background) and default_image (the tiny image is built in the background)
// say where it is.

export interface Health {
  status: 'ok' | 'failing';
  version: string;
  pid: number;
  uptime_s: number;
  data_dir: string;
  database: { state: 'up' | 'down'; error?: string };
  services: Record<string, { state: 'up' | 'down'; path: string }>;
  drivers: { network: string; compute: string; volume: string };
  /** <data-dir>/host-setup.json: null when this start needed none. */
  host_setup: { phase: string; detail: string; percent?: number } | null;
  default_image: { state: string; detail: string } | null;
  /** The init hooks of `start --init`: null without it. */
  init: { state: string; detail: string } | null;
}

const started = Date.now();

function readJson(file: string): any {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

export async function health(cloud: Cloud): Promise<Health> {
  // as at the call: the database's answer takes a round trip on PostgreSQL
  const init = initState(cloud) ?? null;
  let database: Health['database'] = { state: 'up' };
  try {
    await sql`select 1`.execute(cloud.db);
  } catch (e) {
    database = { state: 'down', error: (e as Error).message };
  }
  const services = Object.fromEntries(
    cloud.services.map((s) => [s.name, { state: database.state, path: s.path } as const]),
  );
  let compute: string = cloud.config.drivers.compute;
  try {
    compute = computeDriver(cloud).describe?.() ?? compute;
  } catch {
    // the driver is made on first use; its name is enough here
  }
  const setup = readJson(join(cloud.config.dataDir, 'host-setup.json'));
  const image = readDefaultImageState(cloud.config.dataDir);
  return {
    status: database.state === 'up' ? 'ok' : 'failing',
    version: VERSION,
    pid: process.pid,
    uptime_s: Math.round((Date.now() - started) / 1000),
    data_dir: cloud.config.dataDir,
    database,
    services,
    drivers: { network: cloud.config.drivers.network, compute, volume: cloud.config.drivers.volume },
    host_setup: setup ? { phase: setup.phase, detail: setup.detail, percent: setup.percent } : null,
    default_image: image ? { state: image.state, detail: image.detail } : null,
    init,
  };
}

export function healthRoute(cloud: Cloud) {
  return async (_req: FastifyRequest, reply: FastifyReply) => {
    const h = await health(cloud);
    reply.header('cache-control', 'no-store');
    return reply.code(h.status === 'ok' ? 200 : 503).send(h);
  };
}
