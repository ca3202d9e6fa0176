import { describe, expect, it } from 'vitest';
import type { PortSpec, SecurityGroupRuleSpec } from '../../../src/drivers/network/driver.js';
import {
  isFiltered,
  protocolNumber,
  renderFirewall,
  renderRule,
  zones,
} from '../../../src/drivers/network/linux/sg-render.js';

// The firewall's text, without root: what each kind of rule becomes. The
// packets themselves are tested in test/dataplane/security-groups.test.ts.

const r = (over: Partial<SecurityGroupRuleSpec>): SecurityGroupRuleSpec => ({
  id: '1',
  direction: 'ingress',
  ethertype: 'IPv4',
  protocol: null,
  port_range_min: null,
  port_range_max: null,
  remote_ip_prefix: null,
  remote_group_id: null,
  ...over,
});
const set = (g: string, v: 4 | 6) => `rg${v}_${g}`;

const port = (over: Partial<PortSpec>): PortSpec => ({
  id: '0b8f2a8e-1111-4c1e-9f00-aabbccddeeff',
  network_id: '3f1c2a9e-5b7d-4c1e-9f00-aabbccddeeff',
  mac_address: 'fa:16:3e:11:22:33',
  fixed_ips: [{ subnet_id: 's', ip_address: '10.0.0.5' }],
  admin_state_up: true,
  device_id: 'd',
  device_owner: 'compute:nova',
  host: 'h',
  port_security_enabled: true,
  security_group_ids: ['sg1'],
  allowed_address_pairs: [],
  ...over,
});

describe('security-group rules as nft', () => {
  it('maps protocol names and numbers as Neutron does, any for null/0/any', () => {
    expect(protocolNumber(r({ protocol: 'tcp' }))).toBe(6);
    expect(protocolNumber(r({ protocol: '132' }))).toBe(132);
    expect(protocolNumber(r({ protocol: 'icmp', ethertype: 'IPv6' }))).toBe(58);
    expect(protocolNumber(r({ protocol: 'ipv6-icmp', ethertype: 'IPv6' }))).toBe(58);
    for (const any of [null, '0', 'any']) expect(protocolNumber(r({ protocol: any }))).toBeUndefined();
    expect(() => protocolNumber(r({ protocol: 'bogus' }))).toThrow();
  });

  it('renders ports, ICMP type/code, prefixes and remote groups', () => {
    expect(renderRule(r({ protocol: 'tcp', port_range_min: 5000, port_range_max: 5000 }), set)).toBe(
      'meta nfproto ipv4 meta l4proto 6 th dport 5000 return',
    );
    expect(renderRule(r({ protocol: 'udp', port_range_min: 1, port_range_max: 65535 }), set)).toBe(
      'meta nfproto ipv4 meta l4proto 17 return',
    );
    expect(renderRule(r({ protocol: 'icmp', port_range_min: 8, port_range_max: 0 }), set)).toBe(
      'meta nfproto ipv4 meta l4proto 1 icmp type 8 icmp code 0 return',
    );
    expect(
      renderRule(
        r({
          direction: 'egress',
          remote_ip_prefix: '10.1.2.3/16',
          protocol: 'tcp',
          port_range_min: 80,
          port_range_max: 90,
        }),
        set,
      ),
    ).toBe('meta nfproto ipv4 ip daddr 10.1.0.0/16 meta l4proto 6 th dport 80-90 return');
    expect(renderRule(r({ remote_ip_prefix: '0.0.0.0/0' }), set)).toBe('meta nfproto ipv4 return');
    expect(renderRule(r({ ethertype: 'IPv6', remote_group_id: 'g' }), set)).toBe(
      'meta nfproto ipv6 ip6 saddr @rg6_g return',
    );
    // a prefix of the other family, an unknown protocol: the rule admits nothing
    expect(renderRule(r({ remote_ip_prefix: '2001:db8::/64' }), set)).toBeUndefined();
    expect(renderRule(r({ protocol: 'bogus' }), set)).toBeUndefined();
  });

  it('filters ports with port security, but not the network:* ones', () => {
    expect(isFiltered(port({}))).toBe(true);
    expect(isFiltered(port({ port_security_enabled: false }))).toBe(false);
    expect(isFiltered(port({ device_owner: 'network:dhcp' }))).toBe(false);
    expect(isFiltered(port({ device_owner: 'network:router_interface' }))).toBe(false);
  });

  it('gives each network a conntrack zone that does not move when others come', () => {
    const a = '3f1c2a9e-5b7d-4c1e-9f00-aabbccddeeff';
    const b = '9a000000-5b7d-4c1e-9f00-aabbccddeeff';
    const z1 = zones([a]);
    const z2 = zones([b, a]);
    expect(z2.get(a)).toBe(z1.get(a));
    expect(z2.get(a)).not.toBe(z2.get(b));
  });

  it('renders both tables, replaced whole, with the spoofing chain and the member sets', () => {
    const p = port({ allowed_address_pairs: [{ ip_address: '10.0.0.0/30', mac_address: 'fa:16:3e:aa:bb:cc' }] });
    const dhcp = port({
      id: '0c8f2a8e-2222-4c1e-9f00-aabbccddeeff',
      device_owner: 'network:dhcp',
      fixed_ips: [{ subnet_id: 's', ip_address: '10.0.0.2' }],
      security_group_ids: [],
    });
    const { body, ports } = renderFirewall({
      networks: new Map(),
      ports: new Map([
        [p.id, p],
        [dhcp.id, dhcp],
      ]),
      securityGroups: new Map([['sg1', { id: 'sg1', stateful: true, rules: [r({ remote_group_id: 'sg1' })] }]]),
    });
    expect(ports).toBe(1);
    expect(body).toMatch(/^table bridge pocketstack_sg\ndelete table bridge pocketstack_sg\n/);
    expect(body).toContain('table inet pocketstack_sg\ndelete table inet pocketstack_sg\n');
    expect(body).toContain('"tap0b8f2a8e-11" : jump spoof_tap0b8f2a8e-11');
    expect(body).not.toContain('tap0c8f2a8e-22');
    expect(body).toContain(
      'ether saddr . ip saddr { fa:16:3e:11:22:33 . 10.0.0.5, fa:16:3e:aa:bb:cc . 10.0.0.0-10.0.0.3 } return',
    );
    // members: the port's fixed IP and its pair, merged
    expect(body).toMatch(/set rg4_0 \{\n.*\n\s+elements = \{ 10\.0\.0\.0-10\.0\.0\.3, 10\.0\.0\.5 \}/);
    expect(body).toMatch(/set dhcp4 \{\n.*\n\s+elements = \{ 10\.0\.0\.2 \}/);
    expect(body).toContain('ct zone set iifname map { "brq3f1c2a9e-5b" : ');
  });
});
