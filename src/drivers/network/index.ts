import type { Cloud } from '../../cloud.js';
import { gated } from '../../host/gate.js';
import { bridgeNamespace, hostTag } from '../../host/names.js';
import type { NetworkDriver } from './driver.js';
import { FakeNetworkDriver } from './fake.js';
import { LinuxNetworkDriver } from './linux/driver.js';
import { MetadataProxy } from './linux/metadata-proxy.js';
import { Firewall } from './linux/security-groups.js';

export type { NetworkDriver } from './driver.js';

const drivers = new WeakMap<Cloud, NetworkDriver>();

/** The cloud's network driver (config.drivers.network), made once per cloud. */
export function networkDriver(cloud: Cloud): NetworkDriver {
  let d = drivers.get(cloud);
  if (!d) {
    if (cloud.config.drivers.network === 'linux') {
      const linux = new LinuxNetworkDriver({
        dataDir: cloud.config.dataDir,
        log: cloud.log,
        firewall: new Firewall(bridgeNamespace(hostTag(cloud.config.dataDir))),
        metadata: new MetadataProxy(cloud),
      });
      // while the host is being prepared, every call waits (the tasks that make them wait too)
      d = cloud.hostReady ? gated<NetworkDriver>(linux, cloud.hostReady, ['close']) : linux;
    } else d = new FakeNetworkDriver();
    drivers.set(cloud, d);
  }
  return d;
}

/** Gives a cloud another driver (tests: a fake that serves DHCP ports, say); before the cloud's first use of it. */
export function setNetworkDriver(cloud: Cloud, driver: NetworkDriver): void {
  drivers.set(cloud, driver);
}
