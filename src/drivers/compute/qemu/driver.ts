import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from '../../../host/exec.js';
import { hostTag } from '../../../host/names.js';
import {
  type ComputeDriver,
  type ConsoleEndpoint,
  type GuestFlavor,
  type GuestPort,
  type GuestSpec,
  type GuestVolume,
  type HostInfo,
  type PowerListener,
  PowerState,
  type PowerStateValue,
} from '../driver.js';
import type { AccelChoice } from './accel.js';
import { qemuArgs } from './argv.js';
import { readConsole, rotateConsole } from './console-log.js';
import {
  cacheBase,
  createLocalDisks,
  createOverlay,
  exists,
  flatten,
  growOverlay,
  pruneBases,
  writeConfigDrive,
} from './disks.js';
import { chooseAccelerator, hostInfo, qemuVersion } from './host.js';
import * as hotplug from './hotplug.js';
import {
  baseDir,
  type GuestFiles,
  type GuestRecord,
  guestFiles,
  instancesDir,
  readRecord,
  writeRecord,
} from './layout.js';
import { restoreMemory, saveMemory } from './memory.js';
import { guestNamespace, plugPort, unplugPort } from './network.js';
import { killGuest, livePid, waitGone } from './process.js';
import { type Qmp, runStatePower, withQmp } from './qmp.js';
import { BASES, SerialQueues } from './queue.js';

// The qemu compute driver: one daemonized qemu per guest, run inside the
// cloud's bridge namespace, controlled over QMP, its files under
// <data-dir>/instances/<uuid>/ (layout.ts). Calls for one guest run one at a
// time (a per-guest queue), so two QMP clients never meet and a power
// action never races a hotplug. A watcher notices a qemu that dies by itself
// (guest powered off, crash, kill) and tells the compute service, which
// records the stop as Nova's power-state sync does.

export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface QemuDriverOptions {
  dataDir: string;
  log?: Logger;
  /** How long a clean shutdown (ACPI power button) may take before qemu is stopped (Nova's shutdown_timeout: 60 s). */
  shutdownTimeoutMs?: number;
  /** Skip the KVM probe (tests). */
  accel?: AccelChoice;
}

const SHUTDOWN_RETRY_MS = 10_000; // Nova re-presses the power button every 10 s
const WATCH_MS = 1000;

const silent: Logger = { info() {}, warn() {} };

export class QemuComputeDriver implements ComputeDriver {
  readonly name = 'qemu';
  private readonly tag: string;
  private readonly log: Logger;
  private readonly shutdownTimeoutMs: number;
  private accel?: AccelChoice;
  private version = 0;
  private readonly queues = new SerialQueues();
  /** Guests whose qemu should be running, by uuid: the pid the watcher checks. */
  private running = new Map<string, number>();
  private listeners: PowerListener[] = [];
  private watcher?: NodeJS.Timeout;

  constructor(private readonly opts: QemuDriverOptions) {
    if (/[,\s]/.test(opts.dataDir))
      throw new Error(`the qemu driver needs a data dir without commas or spaces: ${opts.dataDir}`);
    this.tag = hostTag(opts.dataDir);
    this.log = opts.log ?? silent;
    this.shutdownTimeoutMs = opts.shutdownTimeoutMs ?? 60_000;
    this.accel = opts.accel;
  }

  /** Probes the accelerator, re-adopts the guests whose qemu still runs and starts watching them. */
  async start(): Promise<void> {
    await mkdir(instancesDir(this.opts.dataDir), { recursive: true });
    this.version = await qemuVersion();
    this.accel ??= await chooseAccelerator(this.opts.dataDir);
    for (const uuid of await readdir(instancesDir(this.opts.dataDir))) {
      if (uuid === '_base') continue;
      const pid = await livePid(guestFiles(this.opts.dataDir, uuid).pid, uuid).catch(() => undefined);
      if (pid) this.running.set(uuid, pid);
    }
    if (this.running.size) this.log.info({ guests: [...this.running.keys()] }, 'qemu guests re-adopted');
    this.watcher = setInterval(() => void this.watch(), WATCH_MS);
    this.watcher.unref();
  }

  async removeOrphans(known: (uuid: string) => boolean): Promise<string[]> {
    const removed: string[] = [];
    for (const name of await readdir(instancesDir(this.opts.dataDir))) {
      if (name === '_base' || known(name)) continue;
      if (!/^[0-9a-f-]{36}$/.test(name)) continue;
      await this.serial(name, () => this.remove(name));
      removed.push(name);
    }
    // a base being linked when the stop came; bases no guest uses
    await this.bases(async () => {
      for (const f of await readdir(baseDir(this.opts.dataDir)).catch(() => [] as string[]))
        if (f.endsWith('.part')) await rm(join(baseDir(this.opts.dataDir), f), { force: true });
      await pruneBases(this.opts.dataDir);
    });
    if (removed.length) this.log.info({ guests: removed }, 'qemu guests with no instance removed');
    return removed;
  }

  /** Stops watching; the guests keep running (a restarted pocketstack re-adopts them). */
  async stop(): Promise<void> {
    if (this.watcher) clearInterval(this.watcher);
    this.watcher = undefined;
  }

  /** One line for the start banner and `pocketstack status`. */
  describe(): string {
    const a = this.accel;
    return a ? `qemu with ${a.accel.toUpperCase()} (${a.reason})` : 'qemu (accelerator not probed yet)';
  }

  get accelerator(): AccelChoice | undefined {
    return this.accel;
  }

  onPowerChange(listener: PowerListener): void {
    this.listeners.push(listener);
  }

  private watching = false;
  private async watch(): Promise<void> {
    if (this.watching) return;
    this.watching = true;
    try {
      for (const [uuid, pid] of [...this.running]) {
        if (await livePid(guestFiles(this.opts.dataDir, uuid).pid, uuid).then((p) => p === pid)) continue;
        if (this.running.get(uuid) !== pid) continue; // the driver stopped or restarted it meanwhile
        this.running.delete(uuid);
        this.log.warn({ server: uuid, pid }, 'qemu exited by itself');
        for (const l of this.listeners) l(uuid, PowerState.SHUTDOWN);
      }
    } finally {
      this.watching = false;
    }
  }

  hostInfo(): HostInfo {
    return hostInfo(this.opts.dataDir, this.version, this.accel?.accel ?? 'tcg');
  }

  /** Runs `fn` after every earlier call for the same guest. */
  private serial<T>(uuid: string, fn: () => Promise<T>): Promise<T> {
    return this.queues.run(uuid, fn);
  }

  private files(uuid: string): GuestFiles {
    return guestFiles(this.opts.dataDir, uuid);
  }

  private record(uuid: string): Promise<GuestRecord | undefined> {
    return readRecord(this.files(uuid));
  }

  private async mustRecord(uuid: string): Promise<GuestRecord> {
    const r = await this.record(uuid);
    if (!r) throw new Error(`qemu driver: no guest ${uuid}`);
    return r;
  }

  private saveRecord(r: GuestRecord): Promise<void> {
    return writeRecord(this.files(r.uuid), r);
  }

  private live(uuid: string): Promise<number | undefined> {
    return livePid(this.files(uuid).pid, uuid);
  }

  private qmp<T>(uuid: string, fn: (q: Qmp) => Promise<T>): Promise<T> {
    return withQmp(this.files(uuid).qmp, fn);
  }

  /** Starts qemu for the record (its disks and taps exist). */
  private async launch(r: GuestRecord, incoming = false): Promise<number> {
    const f = this.files(r.uuid);
    const root = r.image
      ? { path: f.disk, format: 'qcow2' }
      : (() => {
          const v = r.volumes.find((x) => x.device === '/dev/vda');
          if (!v?.path) throw new Error(`guest ${r.uuid} has neither an image nor a root volume`);
          return { path: v.path, format: 'raw' };
        })();
    for (const p of r.ports) await plugPort(this.tag, p);
    for (const s of [f.qmp, f.vnc, f.pid]) await rm(s, { force: true });
    await rotateConsole(f.console);
    const ns = await guestNamespace(this.tag);
    const args = qemuArgs(r, f, { accel: this.accel?.accel ?? 'tcg', incoming, root });
    await run('qemu-system-x86_64', args, { netns: ns, timeoutMs: 120_000 });
    const pid = await livePid(f.pid, r.uuid);
    if (!pid) throw new Error(`qemu of ${r.uuid} exited at once (see ${f.console})`);
    this.running.set(r.uuid, pid);
    return pid;
  }

  /** Stops qemu at once (Nova's destroy of a domain). */
  private async kill(uuid: string): Promise<void> {
    this.running.delete(uuid);
    const pid = await this.live(uuid);
    if (pid) await killGuest(pid, uuid);
  }

  /** Presses the power button until qemu exits or the timeout; true when the guest shut down by itself. */
  private async cleanShutdown(uuid: string, pid: number, timeoutMs: number): Promise<boolean> {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      this.running.delete(uuid);
      await this.qmp(uuid, (q) => q.execute('system_powerdown')).catch(() => undefined);
      if (await waitGone(pid, uuid, Math.min(SHUTDOWN_RETRY_MS, end - Date.now()))) return true;
    }
    return false;
  }

  // --- the interface

  spawn(spec: GuestSpec): Promise<void> {
    return this.serial(spec.uuid, async () => {
      let existing = await this.record(spec.uuid);
      if (existing?.building) {
        // a spawn a stop cut short: its files may be partial, so it starts over
        await this.remove(spec.uuid);
        existing = undefined;
      }
      if (existing) {
        // a guest already made (pocketstack restarted): it only needs to run
        if (!(await this.live(spec.uuid))) await this.launch(existing);
        return;
      }
      try {
        await this.create(spec);
      } catch (e) {
        await this.remove(spec.uuid).catch((x) =>
          this.log.warn({ err: x, server: spec.uuid }, 'cleanup after a failed spawn'),
        );
        throw e;
      }
    });
  }

  private async create(spec: GuestSpec): Promise<void> {
    const f = this.files(spec.uuid);
    await mkdir(f.dir, { recursive: true });
    const dataDir = this.opts.dataDir;
    const r: GuestRecord = {
      uuid: spec.uuid,
      name: spec.name,
      hostname: spec.hostname,
      flavor: spec.flavor,
      ports: spec.ports,
      volumes: spec.volumes,
      configDrive: spec.configDrive !== undefined,
      building: true,
    };
    await this.bases(async () => {
      if (spec.image) {
        if (!spec.image.path) throw new Error(`image ${spec.image.id} has no data to boot from`);
        r.image = await cacheBase(dataDir, spec.image.id, spec.image.path, spec.image.disk_format);
        if (spec.image.kernel?.path) r.kernel = await cacheBase(dataDir, spec.image.kernel.id, spec.image.kernel.path);
        if (spec.image.ramdisk?.path)
          r.ramdisk = await cacheBase(dataDir, spec.image.ramdisk.id, spec.image.ramdisk.path);
        if (spec.image.cmdline) r.cmdline = spec.image.cmdline;
      }
      await this.saveRecord(r);
    });
    if (r.image) await createOverlay(f.disk, r.image, spec.flavor.root_gb);
    await createLocalDisks(f, r);
    if (spec.configDrive) await writeConfigDrive(f, spec.configDrive);
    delete r.building;
    await this.saveRecord(r);
    await this.launch(r);
  }

  /** Base-image changes (cache, prune) one at a time, so a prune never removes a base a new guest is taking. */
  private bases<T>(fn: () => Promise<T>): Promise<T> {
    return this.queues.run(BASES, fn);
  }

  /** Everything of the guest: qemu, taps, files, unused bases. */
  private async remove(uuid: string): Promise<void> {
    await this.kill(uuid);
    const r = await this.record(uuid);
    for (const p of r?.ports ?? []) await unplugPort(this.tag, p.port_id);
    await rm(this.files(uuid).dir, { recursive: true, force: true });
    await this.bases(() => pruneBases(this.opts.dataDir));
  }

  destroy(uuid: string): Promise<void> {
    return this.serial(uuid, () => this.remove(uuid));
  }

  powerOn(uuid: string): Promise<void> {
    return this.serial(uuid, async () => {
      const r = await this.mustRecord(uuid);
      if (!(await this.live(uuid))) await this.launch(r);
    });
  }

  powerOff(uuid: string, opts: { clean?: boolean } = {}): Promise<void> {
    return this.serial(uuid, async () => {
      const pid = await this.live(uuid);
      if (!pid) return;
      if (opts.clean !== false && (await this.cleanShutdown(uuid, pid, this.shutdownTimeoutMs))) return;
      await this.kill(uuid);
    });
  }

  reboot(uuid: string, type: 'SOFT' | 'HARD'): Promise<void> {
    return this.serial(uuid, async () => {
      const r = await this.mustRecord(uuid);
      const pid = await this.live(uuid);
      // soft: the guest shuts down by its power button and is started again; one that does not is reset hard
      if (pid && !(type === 'SOFT' && (await this.cleanShutdown(uuid, pid, this.shutdownTimeoutMs))))
        await this.kill(uuid);
      await this.launch(r);
    });
  }

  pause(uuid: string): Promise<void> {
    return this.serial(uuid, async () => {
      await this.mustLive(uuid);
      await this.qmp(uuid, (q) => q.execute('stop'));
    });
  }

  unpause(uuid: string): Promise<void> {
    return this.serial(uuid, async () => {
      await this.mustLive(uuid);
      await this.qmp(uuid, (q) => q.execute('cont'));
    });
  }

  private async mustLive(uuid: string): Promise<number> {
    const pid = await this.live(uuid);
    if (!pid) throw new Error(`qemu driver: guest ${uuid} is not running`);
    return pid;
  }

  suspend(uuid: string): Promise<void> {
    return this.serial(uuid, async () => {
      const pid = await this.mustLive(uuid);
      const f = this.files(uuid);
      this.running.delete(uuid);
      try {
        await this.qmp(uuid, (q) => saveMemory(q, f));
      } catch (e) {
        this.running.set(uuid, pid);
        await this.qmp(uuid, (q) => q.execute('cont')).catch(() => undefined);
        throw e;
      }
      await killGuest(pid, uuid);
    });
  }

  resume(uuid: string): Promise<void> {
    return this.serial(uuid, async () => {
      const r = await this.mustRecord(uuid);
      if (await this.live(uuid)) return;
      const f = this.files(uuid);
      if (!(await exists(f.memory))) {
        await this.launch(r);
        return;
      }
      await this.launch(r, true);
      try {
        await this.qmp(uuid, (q) => restoreMemory(q, f));
      } catch (e) {
        await this.kill(uuid);
        throw e;
      }
      await rm(f.memory, { force: true });
    });
  }

  snapshot(uuid: string, targetPath: string): Promise<{ disk_format: string; size: number }> {
    return this.serial(uuid, async () => {
      const r = await this.mustRecord(uuid);
      const f = this.files(uuid);
      const root = r.image
        ? { path: f.disk, format: 'qcow2' }
        : { path: r.volumes.find((v) => v.device === '/dev/vda')?.path ?? '', format: 'raw' };
      const pid = await this.live(uuid);
      if (!pid) return { disk_format: 'qcow2', size: await flatten(root.path, root.format, targetPath, false) };
      // paused, qemu has flushed every write: the copy is what the disk holds at this instant
      const status = await this.qmp(uuid, (q) => q.execute<{ status: string }>('query-status'));
      if (status.status === 'running') await this.qmp(uuid, (q) => q.execute('stop'));
      try {
        return { disk_format: 'qcow2', size: await flatten(root.path, root.format, targetPath, true) };
      } finally {
        if (status.status === 'running') await this.qmp(uuid, (q) => q.execute('cont'));
      }
    });
  }

  resize(uuid: string, flavor: GuestFlavor): Promise<void> {
    return this.serial(uuid, async () => {
      const r = await this.mustRecord(uuid);
      const pid = await this.live(uuid);
      if (pid && !(await this.cleanShutdown(uuid, pid, this.shutdownTimeoutMs))) await this.kill(uuid);
      r.flavor = flavor;
      await this.saveRecord(r);
      if (r.image) await growOverlay(this.files(uuid).disk, flavor.root_gb);
      await createLocalDisks(this.files(uuid), r);
      if (pid) await this.launch(r);
    });
  }

  rescue(uuid: string, image: { id: string; path?: string; disk_format?: string }): Promise<void> {
    return this.serial(uuid, async () => {
      const r = await this.mustRecord(uuid);
      if (!image.path) throw new Error(`rescue image ${image.id} has no data to boot from`);
      await this.kill(uuid);
      const f = this.files(uuid);
      await this.bases(async () => {
        r.rescue = await cacheBase(this.opts.dataDir, image.id, image.path!, image.disk_format);
        await this.saveRecord(r);
      });
      await rm(f.rescueDisk, { force: true });
      await createOverlay(f.rescueDisk, r.rescue!, 0);
      await this.launch(r);
    });
  }

  unrescue(uuid: string): Promise<void> {
    return this.serial(uuid, async () => {
      const r = await this.mustRecord(uuid);
      await this.kill(uuid);
      delete r.rescue;
      await this.saveRecord(r);
      await rm(this.files(uuid).rescueDisk, { force: true });
      await this.launch(r);
    });
  }

  attachVolume(uuid: string, volume: GuestVolume): Promise<void> {
    return this.serial(uuid, async () => {
      const r = await this.mustRecord(uuid);
      if (r.volumes.some((v) => v.volume_id === volume.volume_id)) return;
      if (!volume.path) throw new Error(`volume ${volume.volume_id} has no file to attach`);
      if (await this.live(uuid)) await this.qmp(uuid, (q) => hotplug.addVolume(q, volume));
      r.volumes.push(volume);
      await this.saveRecord(r);
    });
  }

  detachVolume(uuid: string, volumeId: string): Promise<void> {
    return this.serial(uuid, async () => {
      const r = await this.record(uuid);
      if (!r?.volumes.some((v) => v.volume_id === volumeId)) return;
      if (await this.live(uuid)) await this.qmp(uuid, (q) => hotplug.removeVolume(q, volumeId));
      r.volumes = r.volumes.filter((v) => v.volume_id !== volumeId);
      await this.saveRecord(r);
    });
  }

  attachInterface(uuid: string, port: GuestPort): Promise<void> {
    return this.serial(uuid, async () => {
      const r = await this.mustRecord(uuid);
      if (r.ports.some((p) => p.port_id === port.port_id)) return;
      await plugPort(this.tag, port);
      try {
        if (await this.live(uuid)) await this.qmp(uuid, (q) => hotplug.addNic(q, port));
      } catch (e) {
        await unplugPort(this.tag, port.port_id).catch(() => undefined);
        throw e;
      }
      r.ports.push(port);
      await this.saveRecord(r);
    });
  }

  detachInterface(uuid: string, portId: string): Promise<void> {
    return this.serial(uuid, async () => {
      const r = await this.record(uuid);
      if (!r?.ports.some((p) => p.port_id === portId)) return;
      if (await this.live(uuid)) await this.qmp(uuid, (q) => hotplug.removeNic(q, portId));
      await unplugPort(this.tag, portId);
      r.ports = r.ports.filter((p) => p.port_id !== portId);
      await this.saveRecord(r);
    });
  }

  async consoleOutput(uuid: string, tailLength?: number): Promise<string> {
    await this.mustRecord(uuid);
    return readConsole(this.files(uuid).console, tailLength);
  }

  async console(uuid: string, protocol: 'vnc' | 'spice' | 'serial' | 'rdp' | 'mks'): Promise<ConsoleEndpoint> {
    await this.mustRecord(uuid);
    if (protocol !== 'vnc') return { kind: 'page' };
    if (!(await this.live(uuid))) throw new Error(`guest ${uuid} is not running`);
    return { kind: 'vnc', socket: this.files(uuid).vnc };
  }

  powerState(uuid: string): Promise<PowerStateValue> {
    return this.serial(uuid, async () => {
      if (!(await this.record(uuid))) return PowerState.NOSTATE;
      if (!(await this.live(uuid)))
        return (await exists(this.files(uuid).memory)) ? PowerState.SUSPENDED : PowerState.SHUTDOWN;
      const { status } = await this.qmp(uuid, (q) => q.execute<{ status: string }>('query-status')).catch(() => ({
        status: 'unknown',
      }));
      return runStatePower(status);
    });
  }
}
