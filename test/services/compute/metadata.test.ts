import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metadataApp } from '../../../src/services/compute/metadata/service.js';
import { type TestCloud, testCloud } from '../../helpers.js';
import { base, boot, cirros, fake } from './util.js';

const net = '/networking/v2.0';
const cloudConfig = '#cloud-config\nruncmd:\n  - echo web-ready\n';

describe('compute: the metadata service and config drives', () => {
  let t: TestCloud;
  let md: ReturnType<typeof metadataApp>;
  let netId: string;
  let id: string;
  let keyPub: string;
  beforeAll(async () => {
    t = await testCloud();
    md = metadataApp(t.cloud);
    const image = await cirros(t);
    netId = (
      await t.call({ method: 'POST', url: `${net}/networks`, as: 'demo', payload: { network: { name: 'mdnet' } } })
    ).json().network.id;
    await t.call({
      method: 'POST',
      url: `${net}/subnets`,
      as: 'demo',
      payload: {
        subnet: {
          network_id: netId,
          cidr: '192.168.7.0/24',
          ip_version: 4,
          enable_dhcp: false,
          dns_nameservers: ['8.8.8.8'],
          host_routes: [{ destination: '10.2.2.0/24', nexthop: '192.168.7.254' }],
        },
      },
    });
    const port = (
      await t.call({
        method: 'POST',
        url: `${net}/ports`,
        as: 'demo',
        payload: { port: { network_id: netId, fixed_ips: [{ ip_address: '192.168.7.3' }] } },
      })
    ).json().port;
    keyPub = (
      await t.call({ method: 'POST', url: `${base}/os-keypairs`, as: 'demo', payload: { keypair: { name: 'mdkey' } } })
    ).json().keypair.public_key;
    id = await boot(t, 'demo', {
      name: 'Web Server',
      imageRef: image,
      flavorRef: '42',
      networks: [{ port: port.id }],
      key_name: 'mdkey',
      metadata: { db_ip: '192.168.7.4' },
      user_data: Buffer.from(cloudConfig).toString('base64'),
      config_drive: true,
    });
  });
  afterAll(async () => {
    await md.close();
    await t.close();
  });

  const get = (url: string, ip = '192.168.7.3') =>
    md.inject({ method: 'GET', url, headers: { 'x-forwarded-for': ip, 'x-neutron-network-id': netId } });

  it('serves meta_data.json as cloud-init reads it', async () => {
    const res = await get('/openstack/latest/meta_data.json');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    const m = res.json();
    expect(m).toMatchObject({
      uuid: id,
      name: 'Web Server',
      hostname: 'web-server',
      meta: { db_ip: '192.168.7.4' },
      public_keys: { mdkey: keyPub },
      keys: [{ name: 'mdkey', type: 'ssh', data: keyPub }],
      launch_index: 0,
      availability_zone: 'nova',
      devices: [],
    });
    expect(m.project_id).toMatch(/^[0-9a-f]{32}$/);
    expect(Buffer.from(m.random_seed, 'base64').length).toBe(512);
    // the first OpenStack version had no project_id
    expect((await get('/openstack/2012-08-10/meta_data.json')).json()).not.toHaveProperty('project_id');
  });

  it('serves user_data verbatim and lists versions and files', async () => {
    expect((await get('/openstack/latest/user_data')).body).toBe(cloudConfig);
    expect((await get('/openstack')).body.split('\n')).toContain('latest');
    expect((await get('/openstack/latest')).body.split('\n')).toEqual([
      'meta_data.json',
      'user_data',
      'password',
      'vendor_data.json',
      'network_data.json',
      'vendor_data2.json',
    ]);
    expect((await get('/openstack/1999-01-01/meta_data.json')).statusCode).toBe(404);
  });

  it('serves network_data.json with the static address, routes and DNS', async () => {
    const nd = (await get('/openstack/latest/network_data.json')).json();
    expect(nd.links[0]).toMatchObject({ type: 'ovs', ethernet_mac_address: expect.stringMatching(/^fa:16:3e/) });
    expect(nd.networks[0]).toMatchObject({
      type: 'ipv4',
      ip_address: '192.168.7.3',
      netmask: '255.255.255.0',
      network_id: netId,
      routes: [
        { network: '0.0.0.0', netmask: '0.0.0.0', gateway: '192.168.7.1' },
        { network: '10.2.2.0', netmask: '255.255.255.0', gateway: '192.168.7.254' },
      ],
    });
    expect(nd.services).toEqual([{ type: 'dns', address: '8.8.8.8' }]);
  });

  it('serves the EC2 tree', async () => {
    expect((await get('/')).body.split('\n')).toContain('2009-04-04');
    expect((await get('/latest/meta-data/local-ipv4')).body).toBe('192.168.7.3');
    expect((await get('/latest/meta-data/hostname')).body).toBe('web-server');
    expect((await get('/latest/meta-data/public-keys')).body).toBe('0=mdkey');
    expect((await get('/latest/meta-data/public-keys/0/openssh-key')).body).toBe(keyPub);
    expect((await get('/latest/user-data')).body).toBe(cloudConfig);
    expect((await get('/latest/meta-data/')).body.split('\n')).toContain('instance-id');
  });

  it('identifies the instance by address and network only', async () => {
    expect((await get('/openstack/latest/meta_data.json', '192.168.7.99')).statusCode).toBe(404);
    const noHeaders = await md.inject({ method: 'GET', url: '/openstack/latest/meta_data.json' });
    expect(noHeaders.statusCode).toBe(400);
  });

  it('keeps the password a guest posts, once, for os-server-password', async () => {
    const post = (body: string) =>
      md.inject({
        method: 'POST',
        url: '/openstack/latest/password',
        headers: { 'x-forwarded-for': '192.168.7.3', 'x-neutron-network-id': netId, 'content-type': 'text/plain' },
        payload: body,
      });
    expect((await post('encrypted-secret')).statusCode).toBe(200);
    expect((await post('again')).statusCode).toBe(409);
    const pw = await t.call({ method: 'GET', url: `${base}/servers/${id}/os-server-password`, as: 'demo' });
    expect(pw.json()).toEqual({ password: 'encrypted-secret' });
  });

  it('gave the guest a config drive that isoinfo reads, with the same content', () => {
    const drive = fake(t).guest(id)?.spec.configDrive;
    expect(drive).toBeInstanceOf(Buffer);
    const iso = join(mkdtempSync(join(tmpdir(), 'cd-')), 'config.iso');
    writeFileSync(iso, drive as Buffer);
    let info: string;
    try {
      info = execFileSync('isoinfo', ['-d', '-i', iso]).toString();
    } catch {
      return; // isoinfo (genisoimage) is not installed here; CI has it
    }
    expect(info).toContain('Volume id: config-2');
    const files = execFileSync('isoinfo', ['-J', '-f', '-i', iso]).toString().split('\n');
    expect(files).toContain('/openstack/latest/meta_data.json');
    expect(files).toContain('/openstack/latest/user_data');
    expect(files).toContain('/openstack/latest/network_data.json');
    expect(files).toContain('/ec2/latest/meta-data.json');
    const md = JSON.parse(
      execFileSync('isoinfo', ['-J', '-x', '/openstack/latest/meta_data.json', '-i', iso]).toString(),
    );
    expect(md).toMatchObject({ uuid: id, meta: { db_ip: '192.168.7.4' }, public_keys: { mdkey: keyPub } });
    expect(execFileSync('isoinfo', ['-J', '-x', '/openstack/latest/user_data', '-i', iso]).toString()).toBe(
      cloudConfig,
    );
  });
});
