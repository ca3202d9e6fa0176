import { platform } from 'node:os';
import type { Config } from '../../config.js';
import type { ComputeDriver } from './driver.js';
import { FakeComputeDriver } from './fake.js';
import { type Logger, QemuComputeDriver } from './qemu/driver.js';

export type { ComputeDriver } from './driver.js';

/** Which compute driver runs and why (for the start line), from `--compute-driver auto|fake|qemu`. */
export function chooseComputeDriver(config: Config, hasQemu: boolean): { driver: 'fake' | 'qemu'; reason: string } {
  const asked = config.drivers.compute;
  if (asked === 'fake') return { driver: 'fake', reason: 'asked for (--compute-driver fake)' };
  if (asked === 'qemu') return { driver: 'qemu', reason: 'asked for (--compute-driver qemu)' };
  const missing: string[] = [];
  if (platform() !== 'linux') missing.push('not Linux');
  else if (process.getuid?.() !== 0) missing.push('not root');
  if (!hasQemu) missing.push('no qemu-system-x86_64 (apt-get install qemu-system-x86 qemu-utils)');
  if (config.drivers.network !== 'linux') missing.push(`the network driver is ${config.drivers.network}, not linux`);
  return missing.length
    ? { driver: 'fake', reason: `guests are records only: ${missing.join('; ')}` }
    : { driver: 'qemu', reason: 'root on Linux with qemu and the linux network driver' };
}

/** The compute driver the configuration names ('auto' resolved by chooseComputeDriver first). */
export function createComputeDriver(config: Config, log?: Logger): ComputeDriver {
  switch (config.drivers.compute) {
    case 'fake':
      return new FakeComputeDriver();
    case 'qemu':
      return new QemuComputeDriver({ dataDir: config.dataDir, log, shutdownTimeoutMs: config.shutdownTimeoutMs });
    default:
      throw new Error(`compute driver '${config.drivers.compute}' was not resolved; pass fake or qemu`);
  }
}
