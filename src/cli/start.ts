import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { createCloud, listen } from '../cloud.js';
import { type LogLevel, makeConfig } from '../config.js';
import { chooseComputeDriver } from '../drivers/compute/index.js';
import { available } from '../host/exec.js';
import { computeDriver } from '../services/compute/driver.js';
import { openrcLines } from './openrc.js';
import { isRunning, markStopped, readState, writeState } from './state.js';

export interface StartOptions {
  host: string;
  port: string;
  dataDir: string;
  adminPassword?: string;
  logLevel: string;
  tokenTtl: string;
  computeDriver?: string;
}

export async function start(opts: StartOptions): Promise<void> {
  const t0 = performance.now();
  const dataDir = opts.dataDir;
  mkdirSync(dataDir, { recursive: true });
  const previous = readState(dataDir);
  if (isRunning(previous) && previous!.pid !== process.pid) {
    console.error(`pocketstack is already running on ${previous!.url} (pid ${previous!.pid}) with data dir ${dataDir}`);
    process.exit(1);
  }
  const password = opts.adminPassword ?? process.env.POCKETSTACK_PASSWORD ?? previous?.password ?? 'secret';
  const config = makeConfig({
    host: opts.host,
    port: Number(opts.port),
    dataDir,
    adminPassword: password,
    logLevel: opts.logLevel as LogLevel,
    tokenTtlSeconds: Number(opts.tokenTtl),
  });
  const asked = opts.computeDriver ?? 'auto';
  if (!['auto', 'fake', 'qemu'].includes(asked)) {
    console.error(`--compute-driver must be auto, fake or qemu (not ${asked})`);
    process.exit(1);
  }
  config.drivers.compute = asked as 'auto' | 'fake' | 'qemu';
  const compute = chooseComputeDriver(config, await available('qemu-system-x86_64'));
  config.drivers.compute = compute.driver;
  const logger = pino(
    { level: config.logLevel },
    pino.destination({ dest: join(dataDir, 'pocketstack.log'), sync: false }),
  );
  const cloud = await createCloud(config, { logger });
  const url = await listen(cloud);
  writeState(dataDir, { url, pid: process.pid, startedAt: new Date().toISOString(), password, region: config.region });
  const ms = Math.round(performance.now() - t0);
  const computeLine = computeDriver(cloud).describe?.() ?? `${compute.driver} (${compute.reason})`;
  mkdirSync(join(dataDir, 'run'), { recursive: true });
  writeFileSync(
    join(dataDir, 'run', 'compute.json'),
    `${JSON.stringify({ driver: compute.driver, line: computeLine })}\n`,
  );
  console.log(`pocketstack is running on ${url} (ready in ${ms} ms; data in ${dataDir})

  compute   ${computeLine}

  users     admin / ${password}   (admin of every project)
            demo / ${password}    (member of project demo)

Configure the openstack CLI:

  eval "$(npx pocketstack openrc admin admin${dataDir === makeConfig().dataDir ? '' : ` --data-dir ${dataDir}`})"

or paste:
${openrcLines({ url, username: 'admin', project: 'admin', password, region: config.region })
  .map((l) => `  ${l}`)
  .join('\n')}
`);
  logger.info({ url, ms, compute: computeLine }, 'pocketstack started');

  let closing = false;
  const stop = async (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'stopping');
    await cloud.close();
    markStopped(dataDir);
    logger.flush();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}
