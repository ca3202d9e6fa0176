import { writeFile } from 'node:fs/promises';
import { cpus, hostname, totalmem } from 'node:os';
import {
  type ComputeDriver,
  type ConsoleEndpoint,
  type DriverStep,
  type GuestFlavor,
  type GuestPort,
  type GuestSpec,
  type GuestVolume,
  type HostInfo,
  PowerState,
  type PowerStateValue,
} from './driver.js';
import { FakeVncServer } from './fake-vnc.js';

interface FakeGuest {
  spec: GuestSpec;
  power: PowerStateValue;
  rescued: boolean;
  volumes: Map<string, GuestVolume>;
  ports: Map<string, GuestPort>;
  log: string[];
}

interface Failure {
  uuid?: string;
  times: number;
  message: string;
}

/** A qcow2 header for a 1 GiB disk with no data: what a snapshot of a fake guest holds. */
function emptyQcow2(): Buffer {
  const b = Buffer.alloc(512);
  b.write('QFI\xfb', 0, 'latin1');
  b.writeUInt32BE(3, 4); // version
  b.writeUInt32BE(16, 20); // cluster_bits
  b.writeBigUInt64BE(1n << 30n, 24); // size
  b.writeUInt32BE(104, 100); // header_length (v3)
  return b;
}

/**
 * The fake driver: guests exist only in memory and the "hypervisor" only
 * records. Tests (and `pocketstack start --compute-driver fake`) use it; it
 * can be told to fail any step (`failNext`) or to take time (`delayMs`).
 */
export class FakeComputeDriver implements ComputeDriver {
  readonly name = 'fake';
  /** Extra time each step takes, to let tests and demos see transitional states. */
  delayMs = 0;
  private guests = new Map<string, FakeGuest>();
  private failures = new Map<DriverStep, Failure[]>();
  /** Every call, in order ("spawn <uuid>"), for tests that check what the driver was asked. */
  readonly calls: string[] = [];

  /** Makes the next `times` calls of `step` (for `uuid`, or any) throw `message`. */
  failNext(step: DriverStep, opts: { uuid?: string; times?: number; message?: string } = {}): void {
    const list = this.failures.get(step) ?? [];
    list.push({ uuid: opts.uuid, times: opts.times ?? 1, message: opts.message ?? `fake driver: ${step} failed` });
    this.failures.set(step, list);
  }

  /** Whether the driver holds a guest (tests check that destroy left nothing). */
  has(uuid: string): boolean {
    return this.guests.has(uuid);
  }

  guest(uuid: string): Readonly<FakeGuest> | undefined {
    return this.guests.get(uuid);
  }

  private async step(step: DriverStep, uuid: string): Promise<void> {
    this.calls.push(`${step} ${uuid}`);
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    const list = this.failures.get(step);
    const hit = list?.find((f) => !f.uuid || f.uuid === uuid);
    if (hit && list) {
      hit.times--;
      if (hit.times <= 0) list.splice(list.indexOf(hit), 1);
      throw new Error(hit.message);
    }
  }

  private get(uuid: string): FakeGuest {
    const g = this.guests.get(uuid);
    if (!g) throw new Error(`fake driver: no guest ${uuid}`);
    return g;
  }

  private say(g: FakeGuest, line: string): void {
    g.log.push(`[${(g.log.length * 0.37).toFixed(6).padStart(12)}] ${line}`);
  }

  hostInfo(): HostInfo {
    return {
      hypervisor_type: 'fake',
      hypervisor_version: 1000,
      hypervisor_hostname: hostname(),
      vcpus: Math.max(cpus().length, 1) * 8,
      memory_mb: Math.floor(totalmem() / 1048576) * 4,
      local_gb: 1024,
      cpu_info: {
        arch: 'x86_64',
        model: 'fake',
        vendor: 'pocketstack',
        topology: { cells: 1, sockets: 1, cores: 1, threads: 1 },
        features: [],
      },
    };
  }

  async spawn(spec: GuestSpec): Promise<void> {
    await this.step('spawn', spec.uuid);
    if (this.guests.has(spec.uuid)) return;
    const g: FakeGuest = {
      spec,
      power: PowerState.RUNNING,
      rescued: false,
      volumes: new Map(spec.volumes.map((v) => [v.volume_id, v])),
      ports: new Map(spec.ports.map((p) => [p.port_id, p])),
      log: [],
    };
    this.say(g, `Linux version 6.1.0-pocketstack (fake guest ${spec.name})`);
    this.say(g, `Command line: root=/dev/vda1 console=ttyS0`);
    for (const p of spec.ports)
      this.say(
        g,
        `ci-info: | eth${spec.ports.indexOf(p)} | True | ${p.fixed_ips[0]?.ip_address ?? '.'} | ${p.mac_address} |`,
      );
    if (spec.configDrive) this.say(g, 'cloud-init: found datasource ConfigDrive [source=/dev/sr0]');
    else this.say(g, 'cloud-init: found datasource OpenStack [net,ver=2]');
    this.say(g, `${spec.hostname} login:`);
    this.guests.set(spec.uuid, g);
  }

  async destroy(uuid: string): Promise<void> {
    await this.step('destroy', uuid);
    this.guests.delete(uuid);
  }

  async powerOn(uuid: string): Promise<void> {
    await this.step('powerOn', uuid);
    const g = this.get(uuid);
    if (g.power !== PowerState.RUNNING) this.say(g, 'Booting from hard disk...');
    g.power = PowerState.RUNNING;
  }

  async powerOff(uuid: string, opts: { clean?: boolean } = {}): Promise<void> {
    await this.step('powerOff', uuid);
    const g = this.get(uuid);
    this.say(g, opts.clean === false ? 'reboot: Power down (forced)' : 'reboot: Power down');
    g.power = PowerState.SHUTDOWN;
  }

  async reboot(uuid: string, type: 'SOFT' | 'HARD'): Promise<void> {
    await this.step('reboot', uuid);
    const g = this.get(uuid);
    this.say(g, type === 'SOFT' ? 'reboot: Restarting system' : 'reset: hard reset');
    g.power = PowerState.RUNNING;
  }

  async pause(uuid: string): Promise<void> {
    await this.step('pause', uuid);
    this.get(uuid).power = PowerState.PAUSED;
  }

  async unpause(uuid: string): Promise<void> {
    await this.step('unpause', uuid);
    this.get(uuid).power = PowerState.RUNNING;
  }

  async suspend(uuid: string): Promise<void> {
    await this.step('suspend', uuid);
    this.get(uuid).power = PowerState.SUSPENDED;
  }

  async resume(uuid: string): Promise<void> {
    await this.step('resume', uuid);
    this.get(uuid).power = PowerState.RUNNING;
  }

  async snapshot(uuid: string, targetPath: string): Promise<{ disk_format: string; size: number }> {
    await this.step('snapshot', uuid);
    this.get(uuid);
    const data = emptyQcow2();
    await writeFile(targetPath, data);
    return { disk_format: 'qcow2', size: data.length };
  }

  async resize(uuid: string, flavor: GuestFlavor): Promise<void> {
    await this.step('resize', uuid);
    const g = this.get(uuid);
    g.spec = { ...g.spec, flavor };
  }

  async rescue(uuid: string, _image: { id: string; path?: string }): Promise<void> {
    await this.step('rescue', uuid);
    const g = this.get(uuid);
    g.rescued = true;
    g.power = PowerState.RUNNING;
    this.say(g, 'Booting rescue image');
  }

  async unrescue(uuid: string): Promise<void> {
    await this.step('unrescue', uuid);
    const g = this.get(uuid);
    g.rescued = false;
    g.power = PowerState.RUNNING;
  }

  async attachVolume(uuid: string, volume: GuestVolume): Promise<void> {
    await this.step('attachVolume', uuid);
    const g = this.get(uuid);
    g.volumes.set(volume.volume_id, volume);
    this.say(g, `virtio_blk: [${volume.device.replace('/dev/', '')}] attached`);
  }

  async detachVolume(uuid: string, volumeId: string): Promise<void> {
    await this.step('detachVolume', uuid);
    this.guests.get(uuid)?.volumes.delete(volumeId);
  }

  async attachInterface(uuid: string, port: GuestPort): Promise<void> {
    await this.step('attachInterface', uuid);
    this.get(uuid).ports.set(port.port_id, port);
  }

  async detachInterface(uuid: string, portId: string): Promise<void> {
    await this.step('detachInterface', uuid);
    this.guests.get(uuid)?.ports.delete(portId);
  }

  async consoleOutput(uuid: string, tailLength?: number): Promise<string> {
    await this.step('consoleOutput', uuid);
    // Nova tails the log by lines split on '\n' (compute manager _tail_log)
    const lines = this.get(uuid).log;
    const out = tailLength === undefined ? lines : tailLength === 0 ? [] : lines.slice(-tailLength);
    return out.join('\n');
  }

  async console(uuid: string, protocol: string): Promise<ConsoleEndpoint> {
    await this.step('console', uuid);
    const g = this.get(uuid);
    // a guest whose qemu would run (running or paused) has a screen; VNC is its only graphical console
    const live = g.power === PowerState.RUNNING || g.power === PowerState.PAUSED;
    if (protocol !== 'vnc' || !live) return { kind: 'page' };
    return { kind: 'vnc', open: () => new FakeVncServer(g.spec.name) };
  }

  async powerState(uuid: string): Promise<PowerStateValue> {
    return this.guests.get(uuid)?.power ?? PowerState.NOSTATE;
  }
}
