import type { Config } from '../../config.js';
import type { ComputeDriver } from './driver.js';
import { FakeComputeDriver } from './fake.js';

export type { ComputeDriver } from './driver.js';

/** The compute driver the configuration names. */
export function createComputeDriver(config: Config): ComputeDriver {
  switch (config.drivers.compute) {
    case 'fake':
      return new FakeComputeDriver();
    default:
      // Real VMs come with the qemu driver; until then say so at start rather than fail later.
      throw new Error(`compute driver '${config.drivers.compute}' is not available yet; use 'fake'`);
  }
}
