import { platform } from 'node:os';
import { available } from '../../host/exec.js';

// Which network driver `pocketstack start` runs. `auto` takes the linux driver
// when it can work (root on Linux, with ip, nft and dnsmasq) and the fake one
// otherwise, saying why in one line; naming a driver insists on it.

export type NetworkDriverRequest = 'auto' | 'fake' | 'linux';

export interface NetworkDriverChoice {
  driver: 'fake' | 'linux';
  /** The start line: which driver runs and, for the fake, why and what would enable the real one. */
  line: string;
}

/** The commands the linux driver runs, with their Debian packages. */
const NEEDED: [string, string][] = [
  ['ip', 'iproute2'],
  ['nft', 'nftables'],
  ['dnsmasq', 'dnsmasq-base'],
];

const PACKAGES = NEEDED.map(([, p]) => p).join(', ');

/** Why the linux driver cannot run here, or undefined when it can. */
export async function linuxUnavailable(): Promise<string | undefined> {
  if (platform() !== 'linux') return `this is ${platform()}, not Linux`;
  if (process.getuid?.() !== 0) return 'not running as root';
  const missing: string[] = [];
  for (const [cmd, pkg] of NEEDED) if (!(await available(cmd))) missing.push(`${cmd} (${pkg})`);
  if (missing.length) return `missing ${missing.join(', ')}`;
  return undefined;
}

export async function chooseNetworkDriver(requested: NetworkDriverRequest): Promise<NetworkDriverChoice> {
  if (requested === 'fake')
    return { driver: 'fake', line: 'network: fake driver (as asked): the API only, no packets flow' };
  const why = await linuxUnavailable();
  if (requested === 'linux') {
    if (why)
      throw new Error(
        `--network-driver linux cannot run: ${why}. It needs root on Linux and the Debian packages ${PACKAGES}.`,
      );
    return { driver: 'linux', line: 'network: linux driver: namespaces, bridges, dnsmasq, routers with NAT' };
  }
  if (why)
    return {
      driver: 'fake',
      line: `network: fake driver, no packets flow (${why}); as root with the Debian packages ${PACKAGES} it would be the linux driver`,
    };
  return { driver: 'linux', line: 'network: linux driver (auto): namespaces, bridges, dnsmasq, routers with NAT' };
}
