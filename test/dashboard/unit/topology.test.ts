import { describe, expect, it } from 'vitest';
import { topology } from '../../../src/dashboard/lib/topology.js';

const net = (id: string, project: string, external = false) => ({
  id,
  name: id,
  project_id: project,
  shared: false,
  'router:external': external,
  subnets: [`${id}-sub`],
});

describe('dashboard: the topology graph', () => {
  const input = {
    projectId: 'p',
    networks: [net('public', 'admin', true), net('private', 'p'), net('theirs', 'q')],
    subnets: [{ id: 'private-sub', cidr: '10.0.0.0/26' }],
    routers: [
      {
        id: 'r1',
        name: 'router1',
        project_id: 'p',
        external_gateway_info: { network_id: 'public', external_fixed_ips: [{ ip_address: '172.24.4.2' }] },
      },
      { id: 'r2', name: 'other', project_id: 'q', external_gateway_info: null },
    ],
    ports: [
      { id: 'gw', network_id: 'public', device_id: 'r1', device_owner: 'network:router_gateway', fixed_ips: [] },
      {
        id: 'if',
        network_id: 'private',
        device_id: 'r1',
        device_owner: 'network:router_interface',
        fixed_ips: [{ ip_address: '10.0.0.1' }],
      },
      {
        id: 'vm',
        network_id: 'private',
        device_id: 's1',
        device_owner: 'compute:nova',
        fixed_ips: [{ ip_address: '10.0.0.5' }],
      },
      {
        id: 'dhcp',
        network_id: 'private',
        device_id: 'dhcp',
        device_owner: 'network:dhcp',
        fixed_ips: [{ ip_address: '10.0.0.2' }],
      },
      { id: 'x', network_id: 'theirs', device_id: 's9', device_owner: 'compute:nova', fixed_ips: [] },
    ],
    servers: [{ id: 's1', name: 'web1', status: 'ACTIVE' }],
  };

  it("draws the project's networks, routers and instances and the external network they reach", () => {
    const g = topology(input);
    expect(g.nodes.map((n) => [n.id, n.kind])).toEqual([
      ['net:public', 'external'],
      ['router:r1', 'router'],
      ['net:private', 'network'],
      ['server:s1', 'instance'],
    ]);
    expect(g.nodes.find((n) => n.id === 'net:private')!.detail).toBe('10.0.0.0/26');
    expect(g.nodes.find((n) => n.id === 'net:public')!.detail).toBe('external network');
  });

  it('links them by ports, labelled with the addresses (a gateway by its router), and leaves DHCP ports out', () => {
    const g = topology(input);
    expect(g.nodes.find((n) => n.id === 'router:r1')!.detail).toBe('172.24.4.2');
    expect(g.edges).toEqual([
      { id: 'gw:r1', source: 'net:public', target: 'router:r1' },
      { id: 'port:if', source: 'router:r1', target: 'net:private', label: '10.0.0.1' },
      { id: 'port:vm', source: 'net:private', target: 'server:s1', label: '10.0.0.5' },
    ]);
  });

  it('puts routers between external and internal networks, instances below', () => {
    const y = Object.fromEntries(topology(input).nodes.map((n) => [n.id, n.y]));
    expect(y['net:public']).toBeLessThan(y['router:r1']);
    expect(y['router:r1']).toBeLessThan(y['net:private']);
    expect(y['net:private']).toBeLessThan(y['server:s1']);
  });
});
