import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notReady } from '../../src/cli/wait.js';
import { InitHookFailed, initState, listHooks, runInitHooks, stackName } from '../../src/init/hooks.js';
import { health } from '../../src/server/healthz.js';
import { type TestCloud, testCloud } from '../helpers.js';

let t: TestCloud;
const dirs: string[] = [];
function hookDir(files: Record<string, string>): string {
  const d = mkdtempSync(join(tmpdir(), 'pocketstack-init-'));
  dirs.push(d);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(d, name), text);
  return d;
}
beforeAll(async () => {
  t = await testCloud();
});
afterAll(async () => {
  await t.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const opts = (lines: string[] = []) => ({
  url: 'http://127.0.0.1:5999',
  password: 'secret',
  say: (l: string) => void lines.push(l),
});

const HOT = `heat_template_version: 2018-08-31
resources:
  net:
    type: OS::Neutron::Net
    properties: {name: stack-net}
  subnet:
    type: OS::Neutron::Subnet
    properties: {network: {get_resource: net}, cidr: 10.9.0.0/24}
`;

const LIST = `resources:
  - network: {name: ci-net}
  - subnet: {name: ci-subnet, network: ci-net, cidr: 10.0.0.0/24}
  - router: {name: router1, external_gateway: public, interfaces: [ci-subnet]}
  - security_group_rule: {security_group: default, protocol: tcp, port_range_min: 22, port_range_max: 22}
  - flavor: {name: ci.small, ram: 256, vcpus: 1, disk: 1}
  - project: {name: ci}
  - user: {name: ci-user, password: pw, project: ci}
`;

describe('init hooks', () => {
  it('runs scripts, templates and resource lists in name order, each once per data dir', async () => {
    const out = join(dirs[0] ?? tmpdir(), `env-${process.pid}`);
    const dir = hookDir({
      '30-app.yaml': HOT,
      '10-env.sh': `#!/bin/sh\necho "$OS_AUTH_URL $OS_USERNAME $OS_PROJECT_NAME $OS_PASSWORD $OS_CLOUD" > "${out}"\necho hello from 10\n`,
      '20-base.yml': LIST,
      'README.md': 'not a hook',
    });
    const lines: string[] = [];
    process.env.OS_CLOUD = 'elsewhere';
    try {
      expect(await runInitHooks(t.cloud, dir, opts(lines))).toEqual({ ran: 3, done: 0 });
    } finally {
      delete process.env.OS_CLOUD;
    }
    // the caller's OS_CLOUD is not passed on: the admin openrc is the whole story
    expect(readFileSync(out, 'utf8').trim()).toBe('http://127.0.0.1:5999/identity admin admin secret');
    rmSync(out);
    const done = lines.filter((l) => / done \(/.test(l)).map((l) => l.split(' ')[1]);
    expect(done).toEqual(['10-env.sh', '20-base.yml', '30-app.yaml']);
    expect(lines[0]).toMatch(/README.md skipped/);

    const nets = (await t.call({ method: 'GET', url: '/networking/v2.0/networks?name=ci-net', as: 'admin' })).json();
    expect(nets.networks).toHaveLength(1);
    const router = (await t.call({ method: 'GET', url: '/networking/v2.0/routers?name=router1', as: 'admin' })).json()
      .routers[0];
    expect(router.external_gateway_info.network_id).toBeTruthy();
    const ports = (
      await t.call({
        method: 'GET',
        url: `/networking/v2.0/ports?device_id=${router.id}&device_owner=network:router_interface`,
        as: 'admin',
      })
    ).json();
    expect(ports.ports).toHaveLength(1);
    const rules = (
      await t.call({ method: 'GET', url: '/networking/v2.0/security-group-rules?port_range_min=22', as: 'admin' })
    ).json();
    expect(rules.security_group_rules.length).toBeGreaterThan(0);
    const users = (await t.call({ method: 'GET', url: '/identity/v3/users?name=ci-user', as: 'admin' })).json();
    expect(users.users).toHaveLength(1);
    expect(await t.token('ci-user', 'ci').catch(() => undefined)).toBeUndefined(); // password is pw, not secret

    const project = (await t.call({ method: 'GET', url: '/identity/v3/auth/projects', as: 'admin' }))
      .json()
      .projects.find((p: { name: string }) => p.name === 'admin');
    const stacks = (await t.call({ method: 'GET', url: `/heat-api/v1/${project.id}/stacks`, as: 'admin' })).json()
      .stacks;
    expect(
      stacks.map((s: { stack_name: string; stack_status: string }) => [s.stack_name, s.stack_status]),
    ).toContainEqual(['app', 'CREATE_COMPLETE']);

    // a restart with the same hooks makes nothing twice; a changed hook runs again
    expect(await runInitHooks(t.cloud, dir, opts())).toEqual({ ran: 0, done: 3 });
    writeFileSync(join(dir, '10-env.sh'), 'echo changed\n');
    expect(await runInitHooks(t.cloud, dir, opts())).toEqual({ ran: 1, done: 2 });
  });

  it('stops at the first failing script with its output, and runs no later hook', async () => {
    const dir = hookDir({
      '01-fail.sh': 'echo going to fail\necho on stderr >&2\nexit 3\n',
      '02-net.yaml': '- network: {name: never-made}\n',
    });
    const err = await runInitHooks(t.cloud, dir, opts()).catch((e) => e);
    expect(err).toBeInstanceOf(InitHookFailed);
    expect(err.hook.name).toBe('01-fail.sh');
    expect(err.output).toContain('going to fail');
    expect(err.output).toContain('on stderr');
    expect(err.output).toContain('exit 3');
    const nets = (
      await t.call({ method: 'GET', url: '/networking/v2.0/networks?name=never-made', as: 'admin' })
    ).json();
    expect(nets.networks).toHaveLength(0);
    // a failed hook is not recorded: the next start tries it again
    expect((await runInitHooks(t.cloud, dir, opts()).catch((e) => e)).hook.name).toBe('01-fail.sh');
  });

  it('/healthz and pocketstack wait count the hooks as part of ready', async () => {
    const dir = hookDir({ 'a.sh': 'exit 0\n' });
    const running = runInitHooks(t.cloud, dir, opts());
    const during = await health(t.cloud);
    expect(during.init?.state).toBe('running');
    expect(notReady(during, 'api')).toMatch(/^init: /);
    await running;
    const after = await health(t.cloud);
    expect(after.init).toEqual({ state: 'done', detail: '1 ran, 0 had already run' });
    expect(notReady(after, 'api')).toBeUndefined();
    await runInitHooks(t.cloud, hookDir({ 'b.sh': 'exit 1\n' }), opts()).catch(() => {});
    expect(initState(t.cloud)?.state).toBe('failed');
  });

  it('an executable script runs itself', async () => {
    const dir = hookDir({ 'x.sh': '#!/bin/sh\nexit 0\n' });
    chmodSync(join(dir, 'x.sh'), 0o755);
    expect(await runInitHooks(t.cloud, dir, opts())).toEqual({ ran: 1, done: 0 });
  });

  it('a stack that fails, and a resource list that names what does not exist, fail with why', async () => {
    const bad = hookDir({
      'bad.yaml':
        'heat_template_version: 2018-08-31\nresources:\n  x:\n    type: OS::Nova::Server\n    properties: {image: no-such-image, flavor: m1.tiny}\n',
    });
    const e1 = await runInitHooks(t.cloud, bad, opts()).catch((e) => e);
    expect(e1).toBeInstanceOf(InitHookFailed);
    expect(e1.output).toMatch(/no-such-image/);

    const list = hookDir({ 'l.yaml': 'resources:\n  - subnet: {name: s, network: nowhere, cidr: 10.1.0.0/24}\n' });
    const e2 = await runInitHooks(t.cloud, list, opts()).catch((e) => e);
    expect(e2.output).toMatch(/entry 1 \(subnet s\): no network named nowhere/);

    const kind = hookDir({ 'k.yaml': 'resources:\n  - spaceship: {name: s}\n' });
    expect((await runInitHooks(t.cloud, kind, opts()).catch((e) => e)).output).toMatch(/entry 1: one of project, user/);
  });

  it('takes files as the openstack CLI does: keys, user data and image data in lists, get_file and provider templates in stacks', async () => {
    const dir = hookDir({});
    mkdirSync(join(dir, 'files', 'nested'), { recursive: true });
    const pub = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOdA1nTRr0Szd2PkLhLuv9Y9oA1kzJTGa3HlUxWGkeTr ci@host';
    const disk = Buffer.concat([Buffer.from('fixture disk '), Buffer.alloc(4096, 7)]);
    const userData = '#!/bin/sh\necho booted > /tmp/booted\n';
    writeFileSync(join(dir, 'files', 'id.pub'), `${pub}\n`);
    writeFileSync(join(dir, 'files', 'disk.img'), disk);
    writeFileSync(join(dir, 'files', 'user-data.sh'), userData);
    writeFileSync(join(dir, 'files', 'nested', 'motd.txt'), 'hello from a nested file\n');
    // a provider template, with a get_file relative to its own directory
    writeFileSync(
      join(dir, 'files', 'net.yaml'),
      `heat_template_version: 2018-08-31
parameters:
  name: {type: string}
resources:
  net: {type: OS::Neutron::Net, properties: {name: {get_param: name}}}
  motd: {type: OS::Heat::Value, properties: {value: {get_file: nested/motd.txt}}}
outputs:
  motd: {value: {get_attr: [motd, value]}}
`,
    );
    writeFileSync(
      join(dir, '10-fixtures.yaml'),
      `resources:
  - keypair: {name: files-key, public_key_file: files/id.pub}
  - image: {name: files-image, file: files/disk.img, disk_format: raw}
  - network: {name: files-net}
  - subnet: {name: files-subnet, network: files-net, cidr: 10.77.0.0/24}
  - volume: {name: files-vol, size: 1, image: files-image}
  - server: {name: files-server, image: files-image, flavor: m1.tiny, networks: [files-net], key_name: files-key, security_groups: [default], user_data_file: files/user-data.sh}
`,
    );
    writeFileSync(
      join(dir, '20-files-app.yaml'),
      `heat_template_version: 2018-08-31
resources:
  script: {type: OS::Heat::Value, properties: {value: {get_file: files/user-data.sh}}}
  tnet: {type: files/net.yaml, properties: {name: provider-net}}
  mapped: {type: My::Net, properties: {name: mapped-net}}
outputs:
  script: {value: {get_attr: [script, value]}}
  motd: {value: {get_attr: [tnet, motd]}}
`,
    );
    writeFileSync(join(dir, '20-files-app.env.yaml'), 'resource_registry:\n  My::Net: files/net.yaml\n');
    const lines: string[] = [];
    expect(await runInitHooks(t.cloud, dir, opts(lines))).toEqual({ ran: 2, done: 0 });

    const key = (await t.call({ method: 'GET', url: '/compute/v2.1/os-keypairs/files-key', as: 'admin' })).json()
      .keypair;
    expect(key.public_key).toBe(pub);
    const image = (await t.call({ method: 'GET', url: '/image/v2/images?name=files-image', as: 'admin' })).json()
      .images[0];
    const data = await t.call({ method: 'GET', url: `/image/v2/images/${image.id}/file`, as: 'admin' });
    expect(data.rawPayload.equals(disk)).toBe(true);
    await t.cloud.tasks.idle();
    const servers = (
      await t.call({
        method: 'GET',
        url: '/compute/v2.1/servers/detail?name=files-server',
        as: 'admin',
        headers: { 'openstack-api-version': 'compute 2.3' },
      })
    ).json().servers;
    expect(servers).toHaveLength(1);
    expect(servers[0].key_name).toBe('files-key');
    expect(Buffer.from(servers[0]['OS-EXT-SRV-ATTR:user_data'], 'base64').toString()).toBe(userData);
    const pid = (await t.call({ method: 'GET', url: '/identity/v3/auth/projects', as: 'admin' }))
      .json()
      .projects.find((p: { name: string }) => p.name === 'admin').id;
    const vols = (
      await t.call({ method: 'GET', url: `/volume/v3/${pid}/volumes/detail?name=files-vol`, as: 'admin' })
    ).json().volumes;
    expect(vols[0].volume_image_metadata?.image_id).toBe(image.id);

    const { id } = (
      await t.call({ method: 'GET', url: `/heat-api/v1/${pid}/stacks?stack_name=files-app`, as: 'admin' })
    ).json().stacks[0];
    const stack = (
      await t.call({ method: 'GET', url: `/heat-api/v1/${pid}/stacks/files-app/${id}`, as: 'admin' })
    ).json().stack;
    expect(stack.stack_status).toBe('CREATE_COMPLETE');
    const out = Object.fromEntries(
      stack.outputs.map((o: { output_key: string; output_value: unknown }) => [o.output_key, o.output_value]),
    );
    expect(out).toEqual({ script: userData, motd: 'hello from a nested file\n' });
    const nets = (await t.call({ method: 'GET', url: '/networking/v2.0/networks', as: 'admin' })).json().networks;
    expect(nets.map((n: { name: string }) => n.name)).toEqual(expect.arrayContaining(['provider-net', 'mapped-net']));

    // a file that is not there fails the hook, saying which
    const missing = hookDir({ 'k.yaml': 'resources:\n  - keypair: {name: k2, public_key_file: nope.pub}\n' });
    expect((await runInitHooks(t.cloud, missing, opts()).catch((e) => e)).output).toMatch(/no file nope\.pub/);
    const missingGet = hookDir({
      's.yaml':
        'heat_template_version: 2018-08-31\nresources:\n  v: {type: OS::Heat::Value, properties: {value: {get_file: gone.txt}}}\n',
    });
    expect((await runInitHooks(t.cloud, missingGet, opts()).catch((e) => e)).output).toMatch(/no file .*gone\.txt/);
  });

  it('classifies files and names stacks', () => {
    const dir = hookDir({ 'a.yaml': HOT, 'a.env.yaml': 'parameters: {}\n', 'b.yaml': LIST, 'c.sh': '', 'd.txt': '' });
    expect(listHooks(dir).hooks.map((h) => [h.name, h.kind])).toEqual([
      ['a.yaml', 'template'],
      ['b.yaml', 'resources'],
      ['c.sh', 'script'],
    ]);
    expect(listHooks(dir).skipped).toEqual(['d.txt']);
    expect(stackName('20-app.yaml')).toBe('app');
    expect(stackName('web.yml')).toBe('web');
    expect(() => listHooks(join(dir, 'nope'))).toThrow(/not a directory/);
  });
});
