import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { platform } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { createCloud, listen } from '../cloud.js';
import { DEFAULT_FLOATING_RANGE, type LogLevel, makeConfig } from '../config.js';
import { prepareDataDir } from '../data-dir.js';
import { chooseComputeDriver } from '../drivers/compute/index.js';
import { chooseNetworkDriver, type NetworkDriverChoice, type NetworkDriverRequest } from '../drivers/network/choice.js';
import { available } from '../host/exec.js';
import { HostSetup, missingPackages, type SetupState } from '../host/setup.js';
import { upgradeDefaultImage } from '../images/default-image.js';
import { InitHookFailed, runInitHooks } from '../init/hooks.js';
import { computeDriver } from '../services/compute/driver.js';
import { seededPasswordWorks, setSeededPassword } from '../services/identity/seeded-password.js';
import { publicSubnet, seededFloatingRange } from '../services/network/bootstrap.js';
import { isPostgresUrl, redact } from '../store/postgres.js';
import { ensureDataDir } from './datadir.js';
import { detach } from './detach.js';
import { StartError } from './errors.js';
import { openrcLines } from './openrc.js';
import { dataDirArg, selfCommand } from './self.js';
import { describeCounts, loadFile } from './snapshot.js';
import { databaseError, listenError } from './start-errors.js';
import {
  joinedPids,
  markStopped,
  readState,
  removeJoinedPidFile,
  removePidFile,
  runningPid,
  writeJoinedPidFile,
  writePidFile,
  writeState,
} from './state.js';

export interface StartOptions {
  host: string;
  port: string;
  dataDir: string;
  /** A postgres:// URL (--database, POCKETSTACK_DATABASE); SQLite in the data dir when absent. */
  database?: string;
  adminPassword?: string;
  logLevel: string;
  tokenTtl: string;
  networkDriver?: string;
  computeDriver?: string;
  floatingRange?: string;
  /** `tiny`: replace the blank default image with the tiny image, built in the background; `blank`: keep it. */
  defaultImage?: string;
  corsOrigin?: string;
  /** Fault injection on (--faults or POCKETSTACK_FAULTS=1). */
  faults?: boolean;
  /** A snapshot to load as the data dir first (an empty one, or any with `force`). */
  fromSnapshot?: string;
  force?: boolean;
  /** A directory of init hooks to run once the cloud answers (src/init/hooks.ts). */
  init?: string;
  /** Run in the background: pid file, console in <data-dir>/console.log; return once it answers. */
  detach?: boolean;
  /** Also print each request's log line on the console. */
  logRequests?: boolean;
  /** false under --no-host-setup: never install the real drivers' Debian packages. */
  hostSetup?: boolean;
  /** false under --no-credential-cache: every password login pays the full hash. */
  credentialCache?: boolean;
}

/** The console's progress lines of the host setup: each phase, and every 10 % of the install. */
function setupReporter(): (s: SetupState) => void {
  let last = '';
  return (s) => {
    const step = s.phase === 'installing' ? `installing ${Math.floor((s.percent ?? 0) / 10) * 10}%` : s.phase;
    if (step === last) return;
    last = step;
    if (s.phase === 'installing')
      console.log(
        `host setup: ${step} (${(s.packages ?? []).length} Debian packages: ${(s.packages ?? []).join(' ')})`,
      );
    else if (s.phase === 'ready')
      console.log(`host setup: done (${s.detail}); real networks and instances from now on`);
    else if (s.phase === 'failed')
      console.log(
        `host setup failed: ${s.detail}. Servers and the data plane wait on it and will fail; restart with --no-host-setup for the fake drivers.`,
      );
  };
}

/**
 * On a first start as root on Linux without the real drivers' tools: the
 * setup that installs them in the background (unless --no-host-setup, or a
 * driver was named), else undefined.
 */
async function plannedHostSetup(opts: StartOptions): Promise<HostSetup | undefined> {
  if (opts.hostSetup === false || platform() !== 'linux' || process.getuid?.() !== 0) return undefined;
  if ((opts.networkDriver ?? 'auto') !== 'auto' || (opts.computeDriver ?? 'auto') !== 'auto') return undefined;
  if (!(await available('apt-get'))) return undefined;
  if ((await missingPackages()).length === 0) return undefined;
  return new HostSetup({ dataDir: opts.dataDir, allowInstall: true, onState: setupReporter() });
}

/** Runs the cloud; a start-up failure the user can fix is one line on stderr and exit 1. */
export async function start(opts: StartOptions): Promise<void> {
  try {
    await startCloud(opts);
  } catch (e) {
    if (!(e instanceof StartError)) throw e;
    console.error(`pocketstack: ${e.message}`);
    process.exit(1);
  }
}

async function startCloud(opts: StartOptions): Promise<void> {
  const t0 = performance.now();
  const dataDir = ensureDataDir(opts.dataDir);
  const previous = readState(dataDir);
  if (opts.database !== undefined && !isPostgresUrl(opts.database))
    throw new StartError(
      `--database takes a postgres:// URL (not ${opts.database}); without it the state is SQLite in the data dir`,
    );
  const other = runningPid(dataDir);
  // PostgreSQL: more processes on the same data dir (its image and volume
  // files) and database serve one cloud; the first keeps the pid and state
  // files that stop, status and openrc read.
  const joining = other !== undefined && opts.database !== undefined;
  const alreadyRuns = (which: string) =>
    new StartError(
      `pocketstack already runs on data dir ${dataDir} (${which}): use it, or stop it with \`${selfCommand()} stop${dataDirArg(dataDir)}\``,
    );
  if (other !== undefined && !joining)
    throw alreadyRuns(`pid ${other}${previous?.pid === other ? `, ${previous.url}` : ''}`);
  // SQLite beside processes that joined on PostgreSQL (the first of them may be gone): one cloud per data dir
  const joined = opts.database === undefined ? joinedPids(dataDir) : [];
  if (joined.length > 0)
    throw alreadyRuns(`pid ${joined.join(', ')}, on PostgreSQL${previous?.database ? ` ${previous.database}` : ''}`);
  if (opts.detach && !joining) return detach(dataDir);
  if (opts.fromSnapshot) {
    const m = await loadFile(opts.fromSnapshot, dataDir, opts.force === true).catch((e: Error) => {
      throw new StartError(`--from-snapshot ${opts.fromSnapshot}: ${e.message}`);
    });
    console.log(`loaded ${opts.fromSnapshot} (${describeCounts(m)}, taken ${m.created_at})`);
  }
  prepareDataDir(dataDir);
  if (!joining) {
    writePidFile(dataDir);
    process.on('exit', () => removePidFile(dataDir));
  } else {
    writeJoinedPidFile(dataDir);
    process.on('exit', () => removeJoinedPidFile(dataDir));
  }
  const requested = (opts.networkDriver ?? 'auto') as NetworkDriverRequest;
  if (!['auto', 'fake', 'linux'].includes(requested)) {
    console.error(`--network-driver must be auto, fake or linux (not ${requested})`);
    process.exit(1);
  }
  const setup = await plannedHostSetup(opts);
  let network: NetworkDriverChoice;
  try {
    if (opts.floatingRange) publicSubnet(opts.floatingRange);
    network = setup
      ? {
          driver: 'linux',
          line: 'network: linux driver, once the host setup below has installed what it needs (--no-host-setup: the fake)',
        }
      : await chooseNetworkDriver(requested);
  } catch (e) {
    console.error((e as Error).message);
    process.exit(1);
  }
  const askedCompute = opts.computeDriver ?? 'auto';
  if (!['auto', 'fake', 'qemu'].includes(askedCompute)) {
    console.error(`--compute-driver must be auto, fake or qemu (not ${askedCompute})`);
    process.exit(1);
  }
  const explicitPassword = opts.adminPassword ?? process.env.POCKETSTACK_PASSWORD;
  let password: string | undefined = explicitPassword ?? previous?.password ?? 'secret';
  const config = makeConfig({
    host: opts.host,
    port: Number(opts.port),
    dataDir,
    ...(opts.database ? { database: opts.database } : {}),
    adminPassword: password ?? 'secret',
    logLevel: opts.logLevel as LogLevel,
    tokenTtlSeconds: Number(opts.tokenTtl),
    ...(opts.credentialCache === false ? { credentialCacheSeconds: 0 } : {}),
    drivers: { ...makeConfig().drivers, network: network.driver, compute: askedCompute as 'auto' | 'fake' | 'qemu' },
    floatingRange: opts.floatingRange ?? DEFAULT_FLOATING_RANGE,
    faults: opts.faults === true || ['1', 'true', 'yes'].includes(process.env.POCKETSTACK_FAULTS ?? ''),
    corsOrigins: (opts.corsOrigin ?? '')
      .split(',')
      .map((o) => o.trim())
      .filter((o) => o !== ''),
    logRequests: opts.logRequests === true,
  });
  const firstStart = !isPostgresUrl(config.database) && !existsSync(config.database);
  const compute = chooseComputeDriver(config, setup !== undefined || (await available('qemu-system-x86_64')));
  config.drivers.compute = compute.driver;
  const logFile = pino.destination({ dest: join(dataDir, 'pocketstack.log'), sync: false });
  // open before anything can exit: pino flushes at exit, and throws on a file not yet open
  await once(logFile, 'ready');
  const logger = pino({ level: config.logLevel }, logFile);
  const cloud = await createCloud(config, { logger, hostReady: setup?.ready }).catch((e) => {
    throw databaseError(e, config.database, dataDir);
  });
  const url = await listen(cloud).catch(async (e) => {
    await cloud.close();
    throw await listenError(e, config.host, config.port);
  });
  let passwordNote = '';
  if (!firstStart && password !== previous?.password && !(await seededPasswordWorks(cloud, password))) {
    if (explicitPassword !== undefined) {
      const users = await setSeededPassword(cloud, explicitPassword);
      passwordNote = `\nthe password of ${users.join(', ')} is now the one given (${opts.adminPassword !== undefined ? '--admin-password' : 'POCKETSTACK_PASSWORD'})`;
    } else {
      password = undefined;
      passwordNote = `\nthe seeded users' password is not the recorded one: start with --admin-password <password> to set it`;
    }
  }
  const seededRange = await seededFloatingRange(cloud);
  // the qemu driver says which accelerator its probe chose; the fake, why it runs
  const computeLine =
    setup && compute.driver === 'qemu'
      ? 'qemu, once the host setup below has installed it'
      : (computeDriver(cloud).describe?.() ?? `${compute.driver} (${compute.reason})`);
  if (!joining)
    writeState(dataDir, {
      url,
      pid: process.pid,
      startedAt: new Date().toISOString(),
      password,
      region: config.region,
      drivers: { network: network.driver, compute: computeLine },
      floatingRange: seededRange ?? config.floatingRange,
      ...(isPostgresUrl(config.database) ? { database: redact(config.database) } : {}),
    });
  const ms = Math.round(performance.now() - t0);
  const cmd = selfCommand();
  const dd = dataDirArg(dataDir);
  console.log(`pocketstack is running on ${url} (ready in ${ms} ms; data in ${dataDir}${
    isPostgresUrl(config.database) ? ` and ${redact(config.database)}` : ''
  })${joining ? `\nbeside pid ${other} on the same database (${cloud.leadership.leading ? 'this process runs the tasks' : 'that one runs the tasks; this one takes over if it stops'})` : ''}
${network.line}
compute: ${computeLine}${config.faults ? '\nfaults: injection on (pocketstack fault add|list|clear; /pocketstack/v1/faults)' : ''}${
    opts.floatingRange && seededRange && seededRange !== opts.floatingRange
      ? `\n--floating-range ${opts.floatingRange} ignored: the public subnet was made with ${seededRange} at first start (pocketstack reset to change it)`
      : ''
  }${passwordNote}

  users     admin / ${password ?? '(unknown)'}   (admin of every project)
            demo, alt_demo / ${password ?? '(unknown)'}    (members of projects demo, alt_demo)
  dashboard ${url}/dashboard
${
  password === undefined
    ? ''
    : `
Configure the openstack CLI:

  eval "$(${cmd} openrc admin admin${dd})"

or paste:
${openrcLines({ url, username: 'admin', project: 'admin', password, region: config.region })
  .map((l) => `  ${l}`)
  .join('\n')}
`
}
Stop it with \`${cmd} stop${dd}\` (or Ctrl-C in the foreground).
`);
  logger.info({ url, ms, networkDriver: network.driver, compute: computeLine }, 'pocketstack started');

  let closing = false;
  if (opts.init) {
    const t1 = performance.now();
    try {
      if (password === undefined)
        throw new Error('the admin password is not known, so the hooks cannot log in: pass --admin-password');
      const { ran, done } = await runInitHooks(cloud, opts.init, { url, password, say: (l) => console.log(l) });
      console.log(
        `init: ${ran} hook(s) ran${done ? `, ${done} had already run` : ''} (${Math.round(performance.now() - t1)} ms); the cloud is ready`,
      );
    } catch (e) {
      closing = true;
      if (e instanceof InitHookFailed) console.error(`init: ${e.hook.name} failed:\n${e.output.trimEnd()}`);
      else console.error(`init: ${(e as Error).message}`);
      console.error('pocketstack stopped: an init hook failed');
      logger.error({ err: e }, 'init hook failed');
      await cloud.close();
      if (!joining) markStopped(dataDir);
      logger.flush();
      process.exit(1);
    }
  }
  if (opts.defaultImage !== 'blank' && !joining)
    void (setup?.ready ?? Promise.resolve())
      .then(
        () => upgradeDefaultImage(cloud, () => closing),
        () => 'blank' as const,
      )
      .then((state) => {
        if (state === 'ready' && !closing)
          console.log('default image: the tiny image (CirrOS-like, boots) is in place');
      });
  const stop = async (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'stopping');
    await cloud.close();
    if (!joining) markStopped(dataDir);
    if (joining) removeJoinedPidFile(dataDir);
    else removePidFile(dataDir);
    logger.flush();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}
