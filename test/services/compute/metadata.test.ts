import { execFileSync } from 'node:child_process';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metadataApp } from '../../../src/services/compute/metadata/service.js';
import { metadataSecret, SECRET_FILE, signInstanceId } from '../../../src/services/compute/metadata/signature.js';
import { type TestCloud, testCloud } from '../../helpers.js';
import { base, boot, cirros, fake, mv } from './util.js';

const net = '/networking/v2.0';
const cloudConfig = '#cloud-config\nruncmd:\n  - echo web-ready\n';

describe('compute: the metadata service and config drives', () => {
  let t: TestCloud;
  let md: ReturnType<typeof metadataApp>;
  let netId: string;
  let id: string;
  let otherId: string;
  let projectId: string;
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
    projectId = (await t.call({ method: 'GET', url: `${base}/servers/${id}`, as: 'demo' })).json().server.tenant_id;
    otherId = await boot(
      t,
      'alt_demo',
      { name: 'other', imageRef: image, flavorRef: '42', networks: 'none' },
      mv('2.37'),
    );
  });
  afterAll(async () => {
    await md.close();
    await t.close();
  });

  // what the metadata proxy sends for the guest on 192.168.7.3
  const signed = (instance = id, project = projectId) => ({
    'x-forwarded-for': '192.168.7.3',
    'x-neutron-network-id': netId,
    'x-instance-id': instance,
    'x-tenant-id': project,
    'x-instance-id-signature': signInstanceId(metadataSecret(t.cloud), instance),
  });
  const get = (url: string, headers: Record<string, string> = signed()) => md.inject({ method: 'GET', url, headers });

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

  it('answers only requests the proxy signed', async () => {
    const url = '/openstack/latest/meta_data.json';
    const { 'x-instance-id-signature': _, ...unsigned } = signed();
    expect((await get(url, unsigned)).statusCode).toBe(403);
    const wrong = await get(url, { ...signed(), 'x-instance-id-signature': signInstanceId(Buffer.from('guess'), id) });
    expect(wrong.statusCode).toBe(403);
    expect(wrong.body).toContain('Invalid proxy request signature.');
    // another instance's id under this instance's signature
    expect((await get(url, { ...signed(), 'x-instance-id': otherId })).statusCode).toBe(403);
    // the address and network alone, as the listener trusted them before
    const byAddress = await get(url, { 'x-forwarded-for': '192.168.7.3', 'x-neutron-network-id': netId });
    expect(byAddress.statusCode).toBe(400);
    expect(byAddress.body).toContain('X-Instance-ID header is missing from request.');
    // a signed id with another project than the instance's is not found, as in Nova
    expect((await get(url, signed(id, '0'.repeat(32)))).statusCode).toBe(404);
    // the version list needs no identity
    expect((await get('/', {})).body.split('\n')).toContain('latest');
  });

  it('keeps the shared secret in the data dir, readable by its owner only', () => {
    expect(statSync(join(t.cloud.config.dataDir, SECRET_FILE)).mode & 0o777).toBe(0o600);
  });

  it('keeps the password a guest posts, once, for os-server-password', async () => {
    const post = (body: string) =>
      md.inject({
        method: 'POST',
        url: '/openstack/latest/password',
        headers: { ...signed(), 'content-type': 'text/plain' },
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
