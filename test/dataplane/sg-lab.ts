import { randomBytes, randomUUID } from 'node:crypto';
import type { NetworkSpec, PortSpec } from '../../src/drivers/network/driver.js';
import { run } from '../../src/host/exec.js';
import { ensureBridge, removeLink } from '../../src/host/links.js';
import { bridgeName, bridgeNamespace, tapName } from '../../src/host/names.js';
import { ensureNamespace, ownedNamespaces, removeNamespace } from '../../src/host/netns.js';

// A bench for the security-group firewall alone: a bridge namespace of a
// random tag with one bridge per network, and "guest" namespaces plugged into
// it by a veth (tap<port> on the bridge, eth0 with the port's MAC and address
// in the guest). Everything carries the tag, and `destroy` removes it all.

export class SgLab {
  readonly tag = randomBytes(3).toString('hex');
  readonly ns = bridgeNamespace(this.tag);
  private guests = 0;
  private servers: Promise<unknown>[] = [];

  async create(): Promise<void> {
    await ensureNamespace(this.ns, this.tag);
  }

  network(cidr: string, over: Partial<NetworkSpec> = {}): NetworkSpec & { cidr: string } {
    return {
      id: randomUUID(),
      name: 'n',
      mtu: 1500,
      admin_state_up: true,
      external: false,
      subnets: [],
      cidr,
      ...over,
    };
  }

  async addNetwork(n: NetworkSpec): Promise<void> {
    await ensureBridge(this.ns, bridgeName(n.id), n.mtu);
  }

  port(n: NetworkSpec, ip: string, over: Partial<PortSpec> = {}): PortSpec {
    const b = randomBytes(3);
    return {
      id: randomUUID(),
      network_id: n.id,
      mac_address: `fa:16:3e:${[...b].map((x) => x.toString(16).padStart(2, '0')).join(':')}`,
      fixed_ips: [{ subnet_id: randomUUID(), ip_address: ip }],
      admin_state_up: true,
      device_id: randomUUID(),
      device_owner: 'compute:nova',
      host: 'pocketstack',
      port_security_enabled: true,
      security_group_ids: [],
      allowed_address_pairs: [],
      ...over,
    };
  }

  /** A guest namespace on the port's network: eth0 with the port's MAC and `ip/prefix`; returns its name. */
  async plug(p: PortSpec, prefix: number): Promise<string> {
    const g = `${this.ns}-g${++this.guests}`;
    await ensureNamespace(g, this.tag);
    const tap = tapName(p.id);
    await run('ip', ['-n', this.ns, 'link', 'add', tap, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', g]);
    await run('ip', ['-n', this.ns, 'link', 'set', tap, 'master', bridgeName(p.network_id), 'up']);
    await run('ip', ['-n', g, 'link', 'set', 'eth0', 'address', p.mac_address, 'up']);
    await run('ip', ['-n', g, 'addr', 'add', `${p.fixed_ips[0].ip_address}/${prefix}`, 'dev', 'eth0', 'nodad']);
    return g;
  }

  /** A leg of namespace `ns` (made and marked if needed) on the network: `dev` there, tap<port> on the bridge. */
  async leg(ns: string, dev: string, portId: string, networkId: string, addrs: string[]): Promise<void> {
    await ensureNamespace(ns, this.tag);
    const tap = tapName(portId);
    await run('ip', ['-n', this.ns, 'link', 'add', tap, 'type', 'veth', 'peer', 'name', dev, 'netns', ns]);
    await run('ip', ['-n', this.ns, 'link', 'set', tap, 'master', bridgeName(networkId), 'up']);
    await run('ip', ['-n', ns, 'link', 'set', dev, 'up']);
    for (const a of addrs) await run('ip', ['-n', ns, 'addr', 'add', a, 'dev', dev, 'nodad']);
  }

  async unplug(p: PortSpec): Promise<void> {
    await removeLink(this.ns, tapName(p.id));
  }

  /** A TCP server in `g` answering "ok" on each of `ports` (killed with the namespace). */
  async serve(g: string, ports: number[]): Promise<void> {
    const code = `const net=require('net');for(const p of process.argv.slice(1))net.createServer(s=>{s.on('error',()=>{});s.end('ok')}).listen(+p);console.log('up')`;
    this.servers.push(
      run('node', ['-e', code, ...ports.map(String)], { netns: g, timeoutMs: 600_000 }).catch(() => {}),
    );
    // listening once a connection from inside the namespace succeeds
    for (let i = 0; i < 50; i++) {
      if (await this.tcp(g, '127.0.0.1', ports[0])) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('server did not start');
  }

  /** Whether a TCP connection from `g` to ip:port is accepted within `timeoutS`. */
  async tcp(g: string, ip: string, port: number, timeoutS = 1): Promise<boolean> {
    const out = await run(
      'timeout',
      [String(timeoutS), 'bash', '-c', 'exec 3<>"/dev/tcp/$0/$1" && echo open', ip, String(port)],
      { netns: g, okCodes: [1, 124] },
    );
    return out.includes('open');
  }

  /** Whether one ping from `g` to `ip` (optionally from source address `from`) is answered. */
  async ping(g: string, ip: string, from?: string): Promise<boolean> {
    const args = ['-c', '1', '-W', '1', ...(from ? ['-I', from] : []), ip];
    const out = await run('ping', args, { netns: g, okCodes: [1, 2] });
    return / 1 received/.test(out);
  }

  async destroy(): Promise<void> {
    for (const ns of await ownedNamespaces(this.tag)) await removeNamespace(ns);
    await Promise.all(this.servers);
  }
}
