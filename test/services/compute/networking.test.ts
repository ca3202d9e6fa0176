import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestCloud, testCloud } from '../../helpers.js';
import { action, base, boot, cirros, show } from './util.js';

const net = '/networking/v2.0';

describe('compute: servers on networks and ports', () => {
  let t: TestCloud;
  let image: string;
  let netId: string;
  let subnetId: string;
  beforeAll(async () => {
    t = await testCloud();
    image = await cirros(t);
    const n = await t.call({
      method: 'POST',
      url: `${net}/networks`,
      as: 'alt_demo',
      payload: { network: { name: 'n1' } },
    });
    netId = n.json().network.id;
    const s = await t.call({
      method: 'POST',
      url: `${net}/subnets`,
      as: 'alt_demo',
      payload: {
        subnet: { name: 's1', network_id: netId, cidr: '192.168.1.0/24', ip_version: 4, dns_nameservers: ['8.8.8.8'] },
      },
    });
    subnetId = s.json().subnet.id;
    for (const name of ['web', 'ssh'])
      await t.call({
        method: 'POST',
        url: `${net}/security-groups`,
        as: 'alt_demo',
        payload: { security_group: { name } },
      });
  });
  afterAll(() => t.close());

  const port = async (ip: string) => {
    const res = await t.call({
      method: 'POST',
      url: `${net}/ports`,
      as: 'alt_demo',
      payload: { port: { network_id: netId, fixed_ips: [{ subnet_id: subnetId, ip_address: ip }] } },
    });
    return res.json().port;
  };

  it("boots on the project's only network without naming it, with a port Nova made", async () => {
    const id = await boot(t, 'alt_demo', { name: 'auto', imageRef: image, flavorRef: '42' });
    const s = await show(t, 'alt_demo', id);
    expect(Object.keys(s.addresses)).toEqual(['n1']);
    expect(s.addresses.n1[0]).toMatchObject({ version: 4, 'OS-EXT-IPS:type': 'fixed' });
    expect(s.security_groups).toEqual([{ name: 'default' }]);
    const ports = await t.call({ method: 'GET', url: `${net}/ports?device_id=${id}`, as: 'admin' });
    const host = (await show(t, 'admin', id))['OS-EXT-SRV-ATTR:host'];
    expect(ports.json().ports[0]).toMatchObject({ device_owner: 'compute:nova', 'binding:host_id': host });
    await t.call({ method: 'DELETE', url: `${base}/servers/${id}`, as: 'alt_demo' });
    await t.cloud.tasks.idle();
    const after = await t.call({ method: 'GET', url: `${net}/ports?device_id=${id}`, as: 'alt_demo' });
    expect(after.json().ports).toEqual([]);
  });

  it('applies requested groups to ports it makes, not to a port given with --port', async () => {
    const p = await port('192.168.1.3');
    const onPort = await boot(t, 'alt_demo', {
      name: 'onport',
      imageRef: image,
      flavorRef: '42',
      networks: [{ port: p.id }],
      security_groups: [{ name: 'ssh' }, { name: 'web' }],
    });
    const s = await show(t, 'alt_demo', onPort);
    expect(s.addresses.n1.map((a: { addr: string }) => a.addr)).toEqual(['192.168.1.3']);
    expect(s.security_groups).toEqual([{ name: 'default' }]);
    const onNet = await boot(t, 'alt_demo', {
      name: 'onnet',
      imageRef: image,
      flavorRef: '42',
      networks: [{ uuid: netId }],
      security_groups: [{ name: 'ssh' }, { name: 'web' }],
    });
    expect((await show(t, 'alt_demo', onNet)).security_groups).toEqual([{ name: 'ssh' }, { name: 'web' }]);
    // the given port is unbound, not deleted, with the server
    await t.call({ method: 'DELETE', url: `${base}/servers/${onPort}`, as: 'alt_demo' });
    await t.cloud.tasks.idle();
    const kept = await t.call({ method: 'GET', url: `${net}/ports/${p.id}`, as: 'alt_demo' });
    expect(kept.json().port).toMatchObject({ device_id: '', device_owner: '' });
  });

  it('adds and removes a security group on every port of a server', async () => {
    const p = await port('192.168.1.5');
    const id = await boot(t, 'alt_demo', { name: 'sg', imageRef: image, flavorRef: '42', networks: [{ port: p.id }] });
    expect((await action(t, 'alt_demo', id, { addSecurityGroup: { name: 'web' } })).statusCode).toBe(202);
    const names = (await show(t, 'alt_demo', id)).security_groups.map((g: { name: string }) => g.name);
    expect(names.sort()).toEqual(['default', 'web']);
    const shown = await t.call({ method: 'GET', url: `${net}/ports/${p.id}`, as: 'alt_demo' });
    expect(shown.json().port.security_groups).toHaveLength(2);
    // adding a group the server has changes nothing, as with Neutron
    const dup = await action(t, 'alt_demo', id, { addSecurityGroup: { name: 'web' } });
    expect(dup.statusCode).toBe(202);
    const missing = await action(t, 'alt_demo', id, { addSecurityGroup: { name: 'nope' } });
    expect(missing.statusCode).toBe(404);
    expect((await action(t, 'alt_demo', id, { removeSecurityGroup: { name: 'web' } })).statusCode).toBe(202);
    const notThere = await action(t, 'alt_demo', id, { removeSecurityGroup: { name: 'web' } });
    expect(notThere.statusCode).toBe(404);
    expect(notThere.json().itemNotFound.message).toBe(`Security group web not associated with the instance ${id}`);
  });

  it("refuses unknown networks, ports in use and another project's port", async () => {
    const bad = async (server: Record<string, unknown>, as = 'alt_demo') =>
      t.call({
        method: 'POST',
        url: `${base}/servers`,
        as,
        payload: { server: { name: 'x', imageRef: image, flavorRef: '42', ...server } },
      });
    const noNet = await bad({ networks: [{ uuid: '00000000-0000-0000-0000-000000000000' }] });
    expect(noNet.json().badRequest.message).toBe('Network 00000000-0000-0000-0000-000000000000 could not be found.');
    const p = await port('192.168.1.6');
    await boot(t, 'alt_demo', { name: 'holder', imageRef: image, flavorRef: '42', networks: [{ port: p.id }] });
    const inUse = await bad({ networks: [{ port: p.id }] });
    expect(inUse.statusCode).toBe(409);
    expect(inUse.json().conflictingRequest.message).toBe(`Port ${p.id} is still in use.`);
    const other = await bad({ networks: [{ port: (await port('192.168.1.7')).id }] }, 'demo');
    expect(other.statusCode).toBe(400);
    const group = await bad({ security_groups: [{ name: 'nonexistent' }] });
    expect(group.json().badRequest.message).toBe('Security group nonexistent not found.');
  });

  it('filters by ip and lists ips per network', async () => {
    const p = await port('192.168.1.9');
    const id = await boot(t, 'alt_demo', { name: 'ipf', imageRef: image, flavorRef: '42', networks: [{ port: p.id }] });
    const found = await t.call({ method: 'GET', url: `${base}/servers?ip=192.168.1.9$`, as: 'alt_demo' });
    expect(found.json().servers.map((s: { id: string }) => s.id)).toEqual([id]);
    const ips = await t.call({ method: 'GET', url: `${base}/servers/${id}/ips/n1`, as: 'alt_demo' });
    expect(ips.json()).toEqual({ n1: [{ version: 4, addr: '192.168.1.9' }] });
    expect((await t.call({ method: 'GET', url: `${base}/servers/${id}/ips/other`, as: 'alt_demo' })).statusCode).toBe(
      404,
    );
  });

  it('attaches and detaches interfaces: a made port goes, a given port stays', async () => {
    const id = await boot(
      t,
      'alt_demo',
      { name: 'nics', imageRef: image, flavorRef: '42', networks: 'none' },
      { 'openstack-api-version': 'compute 2.37' },
    );
    const url = `${base}/servers/${id}/os-interface`;
    const made = await t.call({
      method: 'POST',
      url,
      as: 'alt_demo',
      payload: { interfaceAttachment: { net_id: netId } },
    });
    expect(made.statusCode, made.body).toBe(200);
    const madePort = made.json().interfaceAttachment.port_id;
    expect(made.json().interfaceAttachment).toMatchObject({ net_id: netId, port_state: 'ACTIVE' });
    const given = await port('192.168.1.20');
    const bound = await t.call({
      method: 'POST',
      url,
      as: 'alt_demo',
      payload: { interfaceAttachment: { port_id: given.id } },
    });
    expect(bound.json().interfaceAttachment.fixed_ips).toEqual([{ subnet_id: subnetId, ip_address: '192.168.1.20' }]);
    const both = await t.call({
      method: 'POST',
      url,
      as: 'alt_demo',
      payload: { interfaceAttachment: { port_id: given.id, net_id: netId } },
    });
    expect(both.statusCode).toBe(400);
    expect((await t.call({ method: 'GET', url, as: 'alt_demo' })).json().interfaceAttachments).toHaveLength(2);
    expect((await show(t, 'alt_demo', id)).addresses.n1).toHaveLength(2);
    expect((await t.call({ method: 'DELETE', url: `${url}/${madePort}`, as: 'alt_demo' })).statusCode).toBe(202);
    expect((await t.call({ method: 'GET', url: `${net}/ports/${madePort}`, as: 'alt_demo' })).statusCode).toBe(404);
    expect((await t.call({ method: 'DELETE', url: `${url}/${given.id}`, as: 'alt_demo' })).statusCode).toBe(202);
    expect(
      (await t.call({ method: 'GET', url: `${net}/ports/${given.id}`, as: 'alt_demo' })).json().port.device_id,
    ).toBe('');
    expect((await t.call({ method: 'GET', url: `${url}/${given.id}`, as: 'alt_demo' })).statusCode).toBe(404);
    expect((await t.call({ method: 'GET', url, as: 'demo' })).statusCode).toBe(404);
  });
});
