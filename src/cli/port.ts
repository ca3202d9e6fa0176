import { existsSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { type PlugPort, plugPort, unplugPort } from '../drivers/network/linux/plug.js';
import { readState } from './state.js';

// `pocketstack port plug PORT --netns NAME` and `port unplug PORT`: a network
// namespace of the user's standing in for a guest on a Neutron port (tests,
// debugging). The port is looked up in the data dir's store, read-only, by
// id or by unique name.

function openStore(dataDir: string): SQLite.Database {
  const file = join(dataDir, 'pocketstack.db');
  if (readState(dataDir)?.database)
    throw new Error('port plug reads the SQLite store in the data dir: not available with --database postgres://');
  if (!existsSync(file)) throw new Error(`no cloud in ${dataDir}`);
  return new SQLite(file, { readonly: true, fileMustExist: true });
}

interface PortRow {
  id: string;
  mac_address: string;
  network_id: string;
}

/** The port (by id, else by unique name) with its network's MTU and its addresses' subnets. */
export function lookupPort(dataDir: string, ref: string): PlugPort {
  const db = openStore(dataDir);
  try {
    let rows = db.prepare('select id, mac_address, network_id from neutron_ports where id = ?').all(ref) as PortRow[];
    if (!rows.length)
      rows = db.prepare('select id, mac_address, network_id from neutron_ports where name = ?').all(ref) as PortRow[];
    if (!rows.length) throw new Error(`no port ${ref}`);
    if (rows.length > 1) throw new Error(`${rows.length} ports are named ${ref}: give its id`);
    const p = rows[0];
    const net = db.prepare('select mtu from neutron_networks where id = ?').get(p.network_id) as { mtu: number };
    const addresses = db
      .prepare(
        `select a.ip_address, s.cidr, s.gateway_ip, s.enable_dhcp from neutron_ip_allocations a
         join neutron_subnets s on s.id = a.subnet_id where a.port_id = ? order by s.ip_version, s.created_at`,
      )
      .all(p.id) as { ip_address: string; cidr: string; gateway_ip: string | null; enable_dhcp: number }[];
    return {
      id: p.id,
      mac_address: p.mac_address,
      network_id: p.network_id,
      mtu: net.mtu,
      addresses: addresses.map((a) => ({ ...a, enable_dhcp: a.enable_dhcp === 1 })),
    };
  } finally {
    db.close();
  }
}

export async function portPlug(ref: string, opts: { dataDir: string; netns: string; ifname: string }): Promise<void> {
  try {
    const port = lookupPort(opts.dataDir, ref);
    const r = await plugPort(opts.dataDir, port, opts.netns, opts.ifname);
    console.log(`plugged port ${port.id} (${port.mac_address}) into ${r.namespace} as ${r.device}`);
    console.log(`addresses ${r.addresses.join(' ')}${r.dhcp ? ' (by DHCP)' : ' (static: the subnet has no DHCP)'}`);
    if (r.dhcp) {
      console.log(`routes    ${r.dhcp.routes.map((x) => `${x.destination} via ${x.nexthop}`).join(', ') || 'none'}`);
      console.log(`dns       ${r.dhcp.dns.join(' ') || 'none'}`);
      if (r.dhcp.mtu) console.log(`mtu       ${r.dhcp.mtu}`);
    }
  } catch (e) {
    console.error((e as Error).message);
    process.exitCode = 1;
  }
}

export async function portUnplug(ref: string, opts: { dataDir: string }): Promise<void> {
  try {
    const port = lookupPort(opts.dataDir, ref);
    console.log(
      (await unplugPort(opts.dataDir, port.id)) ? `unplugged port ${port.id}` : `port ${port.id} was not plugged`,
    );
  } catch (e) {
    console.error((e as Error).message);
    process.exitCode = 1;
  }
}
