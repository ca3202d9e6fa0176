import type { Cloud } from '../../cloud.js';
import { type ComputeDriver, createComputeDriver } from '../../drivers/compute/index.js';

// One compute driver per cloud, made on first use from the configuration.
// Tests reach the fake through here to make it fail or look inside.
const drivers = new WeakMap<Cloud, ComputeDriver>();

export function computeDriver(cloud: Cloud): ComputeDriver {
  let d = drivers.get(cloud);
  if (!d) {
    d = createComputeDriver(cloud.config, cloud.log);
    drivers.set(cloud, d);
  }
  return d;
}
