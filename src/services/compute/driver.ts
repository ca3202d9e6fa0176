import type { Cloud } from '../../cloud.js';
import { type ComputeDriver, createComputeDriver } from '../../drivers/compute/index.js';
import { gated } from '../../host/gate.js';

// One compute driver per cloud, made on first use from the configuration.
// Tests reach the fake through here to make it fail or look inside. While the
// host is being prepared (Cloud.hostReady) the driver is behind a gate that
// opens once the host is ready and the driver has started: builds wait in
// BUILD meanwhile.

interface Entry {
  raw: ComputeDriver;
  driver: ComputeDriver;
  open(): void;
  fail(err: Error): void;
}
const drivers = new WeakMap<Cloud, Entry>();

/** What answers at once even behind the gate: what the host offers, the start line, listeners, stopping. */
const DIRECT: (keyof ComputeDriver)[] = ['hostInfo', 'describe', 'onPowerChange', 'stop'];

function entry(cloud: Cloud): Entry {
  let e = drivers.get(cloud);
  if (!e) {
    const raw = createComputeDriver(cloud.config, cloud.log);
    let open!: () => void;
    let fail!: (err: Error) => void;
    const started = new Promise<void>((resolve, reject) => {
      open = resolve;
      fail = reject;
    });
    started.catch(() => {});
    e = { raw, driver: cloud.hostReady ? gated(raw, started, DIRECT) : raw, open, fail };
    drivers.set(cloud, e);
  }
  return e;
}

export function computeDriver(cloud: Cloud): ComputeDriver {
  return entry(cloud).driver;
}

/**
 * Starts the driver (its accelerator probe, re-adopting guests), then runs
 * `after` (power sync, restoring guests). On a host being prepared this
 * happens in the background once it is ready, and the gate opens between the
 * two; otherwise it is done before returning.
 */
export async function startComputeDriver(cloud: Cloud, after: () => Promise<void>): Promise<void> {
  const e = entry(cloud);
  const go = async () => {
    await e.raw.start?.();
    e.open();
    await after();
  };
  if (!cloud.hostReady) return go();
  void cloud.hostReady.then(go).catch((err: Error) => {
    e.fail(err);
    cloud.log.error({ err }, 'compute driver not started: the host setup failed');
  });
}
