import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestCloud, testCloud } from '../../helpers.js';
import { base, mv } from './util.js';

describe('compute: the security group proxy (2.1–2.35)', () => {
  let t: TestCloud;
  beforeAll(async () => {
    t = await testCloud();
  });
  afterAll(() => t.close());

  it('creates, shows, updates, lists and deletes groups through Neutron', async () => {
    const res = await t.call({
      method: 'POST',
      url: `${base}/os-security-groups`,
      as: 'demo',
      payload: { security_group: { name: 'sg1', description: 'first' } },
    });
    expect(res.statusCode).toBe(200);
    const g = res.json().security_group;
    expect(g).toMatchObject({ name: 'sg1', description: 'first', rules: [] });
    const neutron = await t.call({ method: 'GET', url: `/networking/v2.0/security-groups/${g.id}`, as: 'demo' });
    expect(neutron.json().security_group.name).toBe('sg1');
    const upd = await t.call({
      method: 'PUT',
      url: `${base}/os-security-groups/${g.id}`,
      as: 'demo',
      payload: { security_group: { name: 'sg2', description: 'renamed' } },
    });
    expect(upd.json().security_group.name).toBe('sg2');
    const list = await t.call({ method: 'GET', url: `${base}/os-security-groups`, as: 'demo' });
    expect(
      list
        .json()
        .security_groups.map((x: { name: string }) => x.name)
        .sort(),
    ).toEqual(['default', 'sg2']);
    expect(
      (await t.call({ method: 'GET', url: `${base}/os-security-groups/${g.id}`, as: 'alt_demo' })).statusCode,
    ).toBe(404);
    expect((await t.call({ method: 'GET', url: `${base}/os-security-groups/not-a-uuid`, as: 'demo' })).statusCode).toBe(
      400,
    );
    expect((await t.call({ method: 'DELETE', url: `${base}/os-security-groups/${g.id}`, as: 'demo' })).statusCode).toBe(
      202,
    );
    expect((await t.call({ method: 'GET', url: `${base}/os-security-groups/${g.id}`, as: 'demo' })).statusCode).toBe(
      404,
    );
  });

  it("adds ingress rules with Nova's checks and shows them in Nova's shape", async () => {
    const g = (
      await t.call({
        method: 'POST',
        url: `${base}/os-security-groups`,
        as: 'demo',
        payload: { security_group: { name: 'rules', description: '' } },
      })
    ).json().security_group;
    const rule = (body: Record<string, unknown>) =>
      t.call({
        method: 'POST',
        url: `${base}/os-security-group-rules`,
        as: 'demo',
        payload: { security_group_rule: { parent_group_id: g.id, ...body } },
      });
    const ok = await rule({ ip_protocol: 'tcp', from_port: 22, to_port: 22, cidr: '10.0.0.0/24' });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().security_group_rule).toMatchObject({
      parent_group_id: g.id,
      ip_protocol: 'tcp',
      from_port: 22,
      to_port: 22,
      ip_range: { cidr: '10.0.0.0/24' },
      group: {},
    });
    expect((await rule({ ip_protocol: 'tcp', from_port: 22, to_port: 22, cidr: '10.0.0.0/24' })).statusCode).toBe(400);
    expect((await rule({ ip_protocol: 'tcp', from_port: 30, to_port: 20 })).statusCode).toBe(400);
    expect((await rule({ ip_protocol: 'gre', from_port: 1, to_port: 2 })).statusCode).toBe(400);
    const byGroup = await rule({ ip_protocol: 'icmp', group_id: g.id });
    expect(byGroup.json().security_group_rule).toMatchObject({ from_port: -1, to_port: -1, group: { name: 'rules' } });
    const shown = await t.call({ method: 'GET', url: `${base}/os-security-groups/${g.id}`, as: 'demo' });
    expect(shown.json().security_group.rules).toHaveLength(2);
    const del = await t.call({
      method: 'DELETE',
      url: `${base}/os-security-group-rules/${ok.json().security_group_rule.id}`,
      as: 'demo',
    });
    expect(del.statusCode).toBe(202);
  });

  it('is gone from 2.36', async () => {
    const res = await t.call({ method: 'GET', url: `${base}/os-security-groups`, as: 'demo', headers: mv('2.36') });
    expect(res.statusCode).toBe(404);
  });
});

describe('compute: the network proxy (2.1–2.35)', () => {
  let t: TestCloud;
  beforeAll(async () => {
    t = await testCloud();
  });
  afterAll(() => t.close());

  it("lists Neutron's networks by id and label, and 404s an unknown one", async () => {
    const list = await t.call({ method: 'GET', url: `${base}/os-networks`, as: 'admin' });
    const pub = list.json().networks.find((n: { label: string }) => n.label === 'public');
    expect(pub).toMatchObject({ cidr: null, mtu: null });
    const one = await t.call({ method: 'GET', url: `${base}/os-networks/${pub.id}`, as: 'admin' });
    expect(one.json().network.label).toBe('public');
    expect((await t.call({ method: 'GET', url: `${base}/os-networks/nope`, as: 'admin' })).statusCode).toBe(404);
    const member = await t.call({ method: 'GET', url: `${base}/os-networks`, as: 'demo' });
    expect(member.json().networks[0]).not.toHaveProperty('mtu');
  });
});
