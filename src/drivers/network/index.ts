import type { Cloud } from '../../cloud.js';
import type { NetworkDriver } from './driver.js';
import { FakeNetworkDriver } from './fake.js';
import { LinuxNetworkDriver } from './linux/driver.js';

export type { NetworkDriver } from './driver.js';

const drivers = new WeakMap<Cloud, NetworkDriver>();

/** The cloud's network driver (config.drivers.network), made once per cloud. */
export function networkDriver(cloud: Cloud): NetworkDriver {
  let d = drivers.get(cloud);
  if (!d) {
    d =
      cloud.config.drivers.network === 'linux'
        ? new LinuxNetworkDriver({ dataDir: cloud.config.dataDir, log: cloud.log })
        : new FakeNetworkDriver();
    drivers.set(cloud, d);
  }
  return d;
}

/** Gives a cloud another driver (tests: a fake that serves DHCP ports, say); before the cloud's first use of it. */
export function setNetworkDriver(cloud: Cloud, driver: NetworkDriver): void {
  drivers.set(cloud, driver);
}
