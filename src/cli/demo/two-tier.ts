import { existsSync, mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ApiError, Client } from '../client.js';
import { buildDebianImage, DEBIAN_IMAGE_NAME } from '../images.js';
import { cloudCredentials } from '../openrc.js';
import { dataDirArg, selfCommand } from '../self.js';
import { isRunning, readState } from '../state.js';

// `pocketstack demo two-tier`: the guide's commands, in the guide's order and
// with the guide's names, against the running cloud (as admin in project
// demo, like `source openrc admin demo`): key pair, security groups, the
// private network routed to public, ports with the fixed IPs, the database
// and web server instances with their cloud-init files and the db_ip
// property, a floating IP on the web server. Then it waits until the
// application answers on the floating IP and prints the curl and ssh
// commands. `--delete` removes all of it. Running it again reuses what is there.

export interface DemoOptions {
  dataDir: string;
  delete?: boolean;
  image: string;
  flavor: string;
  timeout: string;
}

const N = {
  key: 'demo_key',
  secgroup: 'demo_secgroup',
  mysqlSecgroup: 'demo_mysql_secgroup',
  webSecgroup: 'demo_webserver_secgroup',
  network: 'demo_private',
  subnet: 'demo_subnet',
  router: 'demo_router',
  webPort: 'port_webserver',
  dbPort: 'port_mysql',
  db: 'demo_db_instance',
  web: 'demo_webserver_instance',
};
/** What the example's cloud-init files need on the image: nothing is downloaded at boot. */
const DEMO_PACKAGES = 'mariadb-server,nodejs';
const WEBSERVER_IP = '192.168.1.3';
const MYSQL_IP = '192.168.1.4';

/** examples/two-tier, found from the source tree or from the bundle in dist/. */
function exampleFile(name: string): string {
  // the bundle (dist/pocketstack.cjs) has __dirname; the bin's own path works for both
  const starts = [typeof __dirname === 'string' ? __dirname : '', realpathSync(process.argv[1] ?? '.')];
  for (const start of starts.filter(Boolean))
    for (let dir = start; dir !== dirname(dir); dir = dirname(dir)) {
      const p = join(dir, 'examples/two-tier', name);
      if (existsSync(p)) return p;
    }
  throw new Error(`examples/two-tier/${name} not found next to pocketstack`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

class Steps {
  private i = 0;
  constructor(private total: number) {}
  async run<T>(label: string, fn: () => Promise<T>): Promise<T> {
    this.i++;
    const t0 = performance.now();
    process.stdout.write(`[${this.i}/${this.total}] ${label} ... `);
    try {
      const v = await fn();
      console.log(`done (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
      return v;
    } catch (e) {
      console.log('failed');
      throw e;
    }
  }
}

async function one<T extends { id: string }>(
  c: Client,
  type: string,
  path: string,
  key: string,
): Promise<T | undefined> {
  const list = (await c.call<Record<string, T[]>>(type, 'GET', path))[key];
  return list[0];
}

const net = (c: Client, path: string, key: string, name: string) =>
  one<{ id: string; [k: string]: any }>(
    c,
    'network',
    `/v2.0/${path}?name=${encodeURIComponent(name)}&project_id=${c.projectId}`,
    key,
  );

async function server(c: Client, name: string) {
  const list = (await c.call('compute', 'GET', `/servers?name=${encodeURIComponent(`^${name}$`)}`)).servers;
  return list[0] as { id: string } | undefined;
}

async function ensureSecgroup(c: Client, name: string, rules: Record<string, unknown>[]): Promise<string> {
  const found = await net(c, 'security-groups', 'security_groups', name);
  if (found) return found.id;
  const sg = (await c.call('network', 'POST', '/v2.0/security-groups', { security_group: { name } })).security_group;
  for (const r of rules)
    await c.call('network', 'POST', '/v2.0/security-group-rules', {
      security_group_rule: { security_group_id: sg.id, direction: 'ingress', ethertype: 'IPv4', ...r },
    });
  return sg.id;
}

async function ensurePort(c: Client, name: string, networkId: string, subnetId: string, ip: string): Promise<string> {
  const found = await net(c, 'ports', 'ports', name);
  if (found) return found.id;
  const body = { port: { name, network_id: networkId, fixed_ips: [{ subnet_id: subnetId, ip_address: ip }] } };
  return (await c.call('network', 'POST', '/v2.0/ports', body)).port.id;
}

async function waitActive(c: Client, id: string, deadline: number): Promise<void> {
  for (;;) {
    const s = (await c.call('compute', 'GET', `/servers/${id}`)).server;
    if (s.status === 'ACTIVE') return;
    if (s.status === 'ERROR')
      throw new Error(`server ${s.name} is in ERROR: ${s.fault?.message ?? 'no fault recorded'}`);
    if (Date.now() > deadline) throw new Error(`server ${s.name} still ${s.status}`);
    await sleep(1000);
  }
}

async function lastConsoleLine(c: Client, id: string): Promise<string> {
  try {
    const out = await c.call('compute', 'POST', `/servers/${id}/action`, { 'os-getConsoleOutput': { length: 5 } });
    return (
      String(out.output)
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean)
        .pop() ?? ''
    );
  } catch {
    return '';
  }
}

async function up(c: Client, opts: DemoOptions, keyFile: string): Promise<void> {
  const timeoutMs = Number(opts.timeout) * 1000;
  const hypervisors = (await c.call('compute', 'GET', '/os-hypervisors/detail')).hypervisors as {
    hypervisor_type: string;
  }[];
  if (hypervisors.every((h) => h.hypervisor_type === 'fake'))
    throw new Error(
      'this cloud runs the fake compute driver: its instances do not run, so the application cannot answer (start pocketstack as root on Linux for real instances; `pocketstack status` says why)',
    );
  const steps = new Steps(13);
  const image = await steps.run(`image ${opts.image}`, async () => {
    const find = async () =>
      (await c.call('image', 'GET', `/v2/images?name=${encodeURIComponent(opts.image)}`)).images[0]?.id as
        | string
        | undefined;
    const found = await find();
    if (found) return found;
    if (opts.image !== DEBIAN_IMAGE_NAME)
      throw new Error(
        `no image ${opts.image}: build it with \`pocketstack images build debian --packages ${DEMO_PACKAGES} --register ${opts.image}\``,
      );
    console.log(
      `\n  not in Glance yet: building it from Debian packages (${DEMO_PACKAGES}; about 5 minutes the first time, cached after)`,
    );
    await buildDebianImage({ dataDir: opts.dataDir, packages: DEMO_PACKAGES, register: true });
    const built = await find();
    if (!built) throw new Error(`${opts.image} was built but is not in Glance`);
    return built;
  });
  await steps.run(`keypair ${N.key} (private key in ${keyFile})`, async () => {
    const exists = await c.call('compute', 'GET', `/os-keypairs/${N.key}`).then(
      () => true,
      (e) => (e instanceof ApiError && e.status === 404 ? false : Promise.reject(e)),
    );
    if (exists && existsSync(keyFile)) return;
    if (exists) await c.call('compute', 'DELETE', `/os-keypairs/${N.key}`);
    const kp = (await c.call('compute', 'POST', '/os-keypairs', { keypair: { name: N.key } })).keypair;
    mkdirSync(dirname(keyFile), { recursive: true, mode: 0o700 });
    writeFileSync(keyFile, kp.private_key, { mode: 0o600 });
  });
  const groups = await steps.run('security groups (ssh+icmp, mysql, webserver)', async () => ({
    secgroup: await ensureSecgroup(c, N.secgroup, [
      { protocol: 'tcp', port_range_min: 22, port_range_max: 22 },
      { protocol: 'icmp' },
    ]),
    mysql: await ensureSecgroup(c, N.mysqlSecgroup, [{ protocol: 'tcp', port_range_min: 3306, port_range_max: 3306 }]),
    web: await ensureSecgroup(c, N.webSecgroup, [{ protocol: 'tcp', port_range_min: 5000, port_range_max: 5000 }]),
  }));
  const network = await steps.run(`network ${N.network}, subnet ${N.subnet} 192.168.1.0/24`, async () => {
    const n =
      (await net(c, 'networks', 'networks', N.network)) ??
      (await c.call('network', 'POST', '/v2.0/networks', { network: { name: N.network } })).network;
    const s =
      (await net(c, 'subnets', 'subnets', N.subnet)) ??
      (
        await c.call('network', 'POST', '/v2.0/subnets', {
          subnet: {
            name: N.subnet,
            network_id: n.id,
            ip_version: 4,
            cidr: '192.168.1.0/24',
            dns_nameservers: ['8.8.8.8'],
          },
        })
      ).subnet;
    return { id: n.id as string, subnet: s.id as string };
  });
  await steps.run(`router ${N.router} on public with ${N.subnet}`, async () => {
    const pub = (await c.call('network', 'GET', '/v2.0/networks?router:external=true&name=public')).networks[0];
    if (!pub) throw new Error('no external network named public');
    let r = await net(c, 'routers', 'routers', N.router);
    if (!r)
      r = (
        await c.call('network', 'POST', '/v2.0/routers', {
          router: { name: N.router, external_gateway_info: { network_id: pub.id } },
        })
      ).router;
    const legs = (await c.call('network', 'GET', `/v2.0/ports?device_id=${r!.id}&network_id=${network.id}`)).ports;
    if (legs.length === 0)
      await c.call('network', 'PUT', `/v2.0/routers/${r!.id}/add_router_interface`, { subnet_id: network.subnet });
  });
  const ports = await steps.run(`ports ${N.webPort} ${WEBSERVER_IP} and ${N.dbPort} ${MYSQL_IP}`, async () => ({
    web: await ensurePort(c, N.webPort, network.id, network.subnet, WEBSERVER_IP),
    db: await ensurePort(c, N.dbPort, network.id, network.subnet, MYSQL_IP),
  }));
  const create = async (name: string, port: string, userData: string, metadata: Record<string, string>) => {
    const found = await server(c, name);
    if (found) return found.id;
    const body = {
      server: {
        name,
        imageRef: image,
        flavorRef: opts.flavor,
        networks: [{ port }],
        key_name: N.key,
        user_data: Buffer.from(readFileSync(exampleFile(userData))).toString('base64'),
        metadata,
      },
    };
    return (await c.call('compute', 'POST', '/servers', body)).server.id as string;
  };
  const db = await steps.run(`server ${N.db} (provision-db.yaml)`, () =>
    create(N.db, ports.db, 'provision-db.yaml', {}),
  );
  const web = await steps.run(`server ${N.web} (provision-webserver.yaml, db_ip=${MYSQL_IP})`, () =>
    create(N.web, ports.web, 'provision-webserver.yaml', { db_ip: MYSQL_IP }),
  );
  const deadline = Date.now() + timeoutMs;
  await steps.run('both servers ACTIVE', async () => {
    await waitActive(c, db, deadline);
    await waitActive(c, web, deadline);
  });
  await steps.run('security groups on the servers (server add security group)', async () => {
    const add = (id: string, sg: string) =>
      c.call('compute', 'POST', `/servers/${id}/action`, { addSecurityGroup: { name: sg } });
    await add(db, groups.secgroup);
    await add(db, groups.mysql);
    await add(web, groups.secgroup);
    await add(web, groups.web);
  });
  const fip = await steps.run(`floating ip on ${N.webPort}`, async () => {
    const existing = (await c.call('network', 'GET', `/v2.0/floatingips?port_id=${ports.web}`)).floatingips[0];
    if (existing) return existing.floating_ip_address as string;
    const pub = (await c.call('network', 'GET', '/v2.0/networks?router:external=true&name=public')).networks[0];
    const made = await c.call('network', 'POST', '/v2.0/floatingips', {
      floatingip: { floating_network_id: pub.id, port_id: ports.web },
    });
    return made.floatingip.floating_ip_address as string;
  });
  const url = `http://${fip}:5000`;
  await steps.run(`the application answering on ${url}`, async () => {
    let last = '';
    const show = (line: string) => {
      if (line.endsWith(': ') || line === last) return;
      process.stdout.write(`\n      ${line}`);
      last = line;
    };
    for (;;) {
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
        const text = await res.text();
        if (res.ok && text.includes('User accounts')) return;
        // the application runs but cannot list the accounts yet (the database still starting)
        show(`web answers ${res.status}: ${text.trim().split('\n')[0]?.slice(0, 100) ?? ''}`);
      } catch {
        show(`web console: ${(await lastConsoleLine(c, web)).slice(0, 100)}`);
      }
      if (Date.now() > deadline) throw new Error(`no answer on ${url} within ${opts.timeout} s (${last})`);
      await sleep(3000);
    }
  });
  await steps.run('accounts listed', async () => {
    const accounts = (await (await fetch(`${url}/accounts`)).json()) as { accounts: { username: string }[] };
    process.stdout.write(`${accounts.accounts.map((a) => a.username).join(', ')} `);
  });
  console.log(`
The guide's application runs. Try:

  curl ${url}
  ssh -i ${keyFile} debian@${fip}

and remove it with: pocketstack demo two-tier --delete`);
}

async function down(c: Client): Promise<void> {
  const ignore404 = (e: unknown) => {
    if (!(e instanceof ApiError && e.status === 404)) throw e;
  };
  const steps = new Steps(6);
  await steps.run('servers', async () => {
    const ids: string[] = [];
    for (const name of [N.web, N.db]) {
      const s = await server(c, name);
      if (s) {
        ids.push(s.id);
        await c.call('compute', 'DELETE', `/servers/${s.id}`).catch(ignore404);
      }
    }
    const deadline = Date.now() + 120_000;
    for (const id of ids)
      while (Date.now() < deadline) {
        const gone = await c.call('compute', 'GET', `/servers/${id}`).then(
          () => false,
          (e) => (e instanceof ApiError && e.status === 404 ? true : Promise.reject(e)),
        );
        if (gone) break;
        await sleep(1000);
      }
  });
  await steps.run('floating ip and ports', async () => {
    for (const name of [N.webPort, N.dbPort]) {
      const p = await net(c, 'ports', 'ports', name);
      if (!p) continue;
      for (const f of (await c.call('network', 'GET', `/v2.0/floatingips?port_id=${p.id}`)).floatingips)
        await c.call('network', 'DELETE', `/v2.0/floatingips/${f.id}`).catch(ignore404);
      await c.call('network', 'DELETE', `/v2.0/ports/${p.id}`).catch(ignore404);
    }
  });
  await steps.run('router', async () => {
    const r = await net(c, 'routers', 'routers', N.router);
    if (!r) return;
    const s = await net(c, 'subnets', 'subnets', N.subnet);
    if (s)
      await c
        .call('network', 'PUT', `/v2.0/routers/${r.id}/remove_router_interface`, { subnet_id: s.id })
        .catch(ignore404);
    await c.call('network', 'DELETE', `/v2.0/routers/${r.id}`).catch(ignore404);
  });
  await steps.run('network', async () => {
    const n = await net(c, 'networks', 'networks', N.network);
    if (n) await c.call('network', 'DELETE', `/v2.0/networks/${n.id}`).catch(ignore404);
  });
  await steps.run('security groups', async () => {
    for (const name of [N.secgroup, N.mysqlSecgroup, N.webSecgroup]) {
      const g = await net(c, 'security-groups', 'security_groups', name);
      if (g) await c.call('network', 'DELETE', `/v2.0/security-groups/${g.id}`).catch(ignore404);
    }
  });
  await steps.run('keypair', () => c.call('compute', 'DELETE', `/os-keypairs/${N.key}`).catch(ignore404));
}

export async function demoTwoTier(opts: DemoOptions): Promise<void> {
  if (!isRunning(readState(opts.dataDir))) {
    console.error(
      `pocketstack is not running on ${opts.dataDir}: start it first (\`${selfCommand()} start${dataDirArg(opts.dataDir)}\`)`,
    );
    process.exit(1);
  }
  const creds = cloudCredentials(opts.dataDir, 'admin', 'demo');
  const c = new Client(creds);
  await c.login();
  const keyFile = join(opts.dataDir, 'demo', `${N.key}.pem`);
  try {
    if (opts.delete) {
      await down(c);
      rmSync(keyFile, { force: true });
      console.log('the two-tier demo is gone');
    } else await up(c, opts, keyFile);
  } catch (e) {
    console.error(`pocketstack demo two-tier: ${(e as Error).message}`);
    process.exit(1);
  }
}
