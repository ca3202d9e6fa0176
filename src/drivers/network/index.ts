import type { Cloud } from '../../cloud.js';
import { NotImplemented } from '../../server/errors.js';
import type { NetworkDriver } from './driver.js';
import { FakeNetworkDriver } from './fake.js';

export type { NetworkDriver } from './driver.js';

const drivers = new WeakMap<Cloud, NetworkDriver>();

/** The cloud's network driver (config.drivers.network), made once per cloud. */
export function networkDriver(cloud: Cloud): NetworkDriver {
  let d = drivers.get(cloud);
  if (!d) {
    if (cloud.config.drivers.network !== 'fake')
      throw new NotImplemented(`network driver '${cloud.config.drivers.network}' is not built yet; use 'fake'.`);
    d = new FakeNetworkDriver();
    drivers.set(cloud, d);
  }
  return d;
}
