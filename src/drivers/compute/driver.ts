// The compute driver: the narrow interface between Nova's API (which owns
// every record: vm_state, task_state, ports, volumes) and whatever runs the
// guests. The fake keeps state in memory; a qemu driver will run real VMs
// through the same calls. Each method documents what holds after it returns
// and after it throws; the task runner retries or records the fault, so a
// driver never has to remember a half-done step.

import type { Duplex } from 'node:stream';

/** Nova's power_state numbers (nova/compute/power_state.py). */
export const PowerState = {
  NOSTATE: 0,
  RUNNING: 1,
  PAUSED: 3,
  SHUTDOWN: 4,
  CRASHED: 6,
  SUSPENDED: 7,
} as const;
export type PowerStateValue = (typeof PowerState)[keyof typeof PowerState];

export interface GuestFlavor {
  vcpus: number;
  memory_mb: number;
  root_gb: number;
  ephemeral_gb: number;
  swap: number;
  extra_specs: Record<string, string>;
}

export interface GuestPort {
  port_id: string;
  network_id: string;
  mac_address: string;
  fixed_ips: { ip_address: string; subnet_id: string }[];
  mtu?: number;
}

export interface GuestVolume {
  volume_id: string;
  /** The device the guest sees it as, e.g. /dev/vdb. */
  device: string;
  /** Where the volume's data lives on the host (a file, for the file volume driver). */
  path?: string;
}

export interface GuestSpec {
  uuid: string;
  /** The hypervisor's name for it, instance-0000000a. */
  name: string;
  hostname: string;
  flavor: GuestFlavor;
  /**
   * The boot image, absent when booting from a volume. `kernel`, `ramdisk`
   * and `cmdline` come from its kernel_id, ramdisk_id and os_command_line
   * properties (Nova's AKI/ARI direct kernel boot).
   */
  image?: {
    id: string;
    path?: string;
    disk_format?: string;
    kernel?: { id: string; path?: string };
    ramdisk?: { id: string; path?: string };
    cmdline?: string;
  };
  ports: GuestPort[];
  volumes: GuestVolume[];
  /** An ISO 9660 config drive (label config-2) to attach, when asked for. */
  configDrive?: Buffer;
}

/**
 * How to reach a guest's console. 'page' means pocketstack serves it itself
 * (no graphical console); 'vnc' with `socket` is a VNC server on a unix socket
 * that pocketstack's websocket proxy connects to; 'vnc' with `open` is one in
 * this process (the fake guest's screen), a new connection at each call.
 */
export type ConsoleEndpoint =
  | { kind: 'page' }
  | { kind: 'vnc'; socket: string }
  | { kind: 'vnc'; open: () => Duplex }
  | { kind: 'vnc' | 'spice' | 'serial'; host: string; port: number };

/** Told when a guest's power state changes by itself (its qemu exited): Nova's power-state sync. */
export type PowerListener = (uuid: string, state: PowerStateValue) => void;

export interface HostInfo {
  hypervisor_type: string;
  hypervisor_version: number;
  hypervisor_hostname: string;
  vcpus: number;
  memory_mb: number;
  local_gb: number;
  cpu_info: Record<string, unknown>;
}

/** The steps a driver performs, by name (the fake can be told to fail any of them). */
export type DriverStep =
  | 'spawn'
  | 'destroy'
  | 'powerOn'
  | 'powerOff'
  | 'reboot'
  | 'pause'
  | 'unpause'
  | 'suspend'
  | 'resume'
  | 'snapshot'
  | 'resize'
  | 'rescue'
  | 'unrescue'
  | 'attachVolume'
  | 'detachVolume'
  | 'attachInterface'
  | 'detachInterface'
  | 'consoleOutput'
  | 'console';

export interface ComputeDriver {
  readonly name: string;

  /** Gets ready (probes the host, re-adopts running guests); called once before anything else. */
  start?(): Promise<void>;
  /**
   * At start, after start(): every guest `known` does not name is gone from
   * the host (its process, taps and files), as are the remains of writes a
   * stop cut short; returns the uuids removed.
   */
  removeOrphans?(known: (uuid: string) => boolean): Promise<string[]>;
  /** Stops background work; guests keep running. */
  stop?(): Promise<void>;
  /** One line saying what runs the guests, for the start banner and `pocketstack status`. */
  describe?(): string;
  /** Registers a listener for power changes the driver did not make (a guest that shut down or died). */
  onPowerChange?(listener: PowerListener): void;

  /** What this host offers, for the hypervisor views and the scheduler's checks. */
  hostInfo(): HostInfo;

  /**
   * Creates and starts the guest. After it returns the guest is RUNNING.
   * After it throws nothing of the guest is left on the host (the caller
   * may retry from scratch). Spawning a uuid that already runs is a no-op.
   */
  spawn(spec: GuestSpec): Promise<void>;

  /** Removes the guest and everything the driver made for it. Idempotent: an unknown uuid is not an error. */
  destroy(uuid: string): Promise<void>;

  /** The guest is RUNNING afterwards (a no-op when it already is). */
  powerOn(uuid: string): Promise<void>;
  /** The guest is SHUTDOWN afterwards; `clean` asks the guest first, else it is cut. */
  powerOff(uuid: string, opts?: { clean?: boolean }): Promise<void>;
  /** The guest is RUNNING afterwards, having restarted (SOFT: asked the guest; HARD: reset). */
  reboot(uuid: string, type: 'SOFT' | 'HARD'): Promise<void>;
  /** PAUSED afterwards (memory kept, vCPUs stopped). */
  pause(uuid: string): Promise<void>;
  /** RUNNING afterwards. */
  unpause(uuid: string): Promise<void>;
  /** SUSPENDED afterwards (memory saved to disk). */
  suspend(uuid: string): Promise<void>;
  /** RUNNING afterwards, from the saved memory. */
  resume(uuid: string): Promise<void>;

  /**
   * Writes a full copy of the guest's root disk to `targetPath` and returns
   * its format. The guest's power state is the same afterwards. After it
   * throws, `targetPath` may be partial; the caller removes it.
   */
  snapshot(uuid: string, targetPath: string): Promise<{ disk_format: string; size: number }>;

  /** The guest has the new flavor's resources and is in the power state it had before. */
  resize(uuid: string, flavor: GuestFlavor): Promise<void>;
  /** The guest runs from the rescue image with its own disk attached second; RUNNING afterwards. */
  rescue(uuid: string, image: { id: string; path?: string; disk_format?: string }): Promise<void>;
  /** The guest runs from its own disk again; RUNNING afterwards. */
  unrescue(uuid: string): Promise<void>;

  /** The guest sees the volume at `volume.device` afterwards. After it throws, it does not. */
  attachVolume(uuid: string, volume: GuestVolume): Promise<void>;
  /** The guest no longer sees the volume. Idempotent. */
  detachVolume(uuid: string, volumeId: string): Promise<void>;
  /** The guest has a NIC on the port afterwards. After it throws, it has not. */
  attachInterface(uuid: string, port: GuestPort): Promise<void>;
  /** The guest no longer has a NIC on the port. Idempotent. */
  detachInterface(uuid: string, portId: string): Promise<void>;

  /** The guest's serial console log, the last `tailLength` lines when given. */
  consoleOutput(uuid: string, tailLength?: number): Promise<string>;
  /** Where a remote console of the given protocol can be reached. */
  console(uuid: string, protocol: 'vnc' | 'spice' | 'serial' | 'rdp' | 'mks'): Promise<ConsoleEndpoint>;

  /** The guest's current power state (NOSTATE when the driver does not know it). */
  powerState(uuid: string): Promise<PowerStateValue>;
}
