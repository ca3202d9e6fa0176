import type { RouterSpec } from '../driver.js';

// A router's NAT, as Neutron's L3 agent does it with iptables, written as the
// body of one nftables table (`table ip pocketstack` in qrouter-<id>):
// - each floating IP: DNAT of what comes for it (from outside, and from the
//   router itself), SNAT of what its fixed IP sends out the gateway;
// - enable_snat: everything else leaving through the gateway takes the
//   gateway's address;
// - hairpin: an instance reaching another one's floating IP from inside is
//   SNATed to the gateway address too, so the reply comes back through the
//   router and is un-NATed.
// Pure: the text only.

export const NAT_TABLE = 'pocketstack';

const v4 = (ip: string) => !ip.includes(':');

export function natRules(r: RouterSpec, gatewayDevice: string | undefined): string {
  const fips = gatewayDevice ? r.floating_ips.filter((f) => v4(f.floating_ip_address) && f.fixed_ip_address) : [];
  const gwIp = r.gateway?.fixed_ips.map((ip) => ip.ip_address).find(v4);
  const internal = [...new Set(r.interfaces.filter((i) => v4(i.ip_address)).map((i) => i.cidr))];
  const pre: string[] = [];
  const post: string[] = [];
  for (const f of fips) {
    pre.push(`ip daddr ${f.floating_ip_address} dnat to ${f.fixed_ip_address}`);
    post.push(`oifname "${gatewayDevice}" ip saddr ${f.fixed_ip_address} snat to ${f.floating_ip_address}`);
  }
  if (gatewayDevice && gwIp) {
    if (r.gateway?.enable_snat) post.push(`oifname "${gatewayDevice}" snat to ${gwIp}`);
    if (fips.length && internal.length)
      post.push(`oifname != "${gatewayDevice}" ct status dnat ip saddr { ${internal.join(', ')} } snat to ${gwIp}`);
  }
  const chain = (name: string, hook: string, priority: string, rules: string[]) =>
    [
      `  chain ${name} {`,
      `    type nat hook ${hook} priority ${priority}; policy accept;`,
      ...rules.map((l) => `    ${l}`),
      '  }',
    ].join('\n');
  return [
    chain('prerouting', 'prerouting', 'dstnat', pre),
    chain('output', 'output', '-100', pre),
    chain('postrouting', 'postrouting', 'srcnat', post),
  ].join('\n');
}
