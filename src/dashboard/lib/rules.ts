// Horizon's "Add Rule" form: a template (SSH, HTTP, custom TCP…) or a custom
// rule, turned into Neutron's security_group_rule body.

export interface RuleTemplate {
  label: string;
  protocol: string | null;
  port?: number;
  custom?: boolean;
}

export const RULE_TEMPLATES: Record<string, RuleTemplate> = {
  custom_tcp: { label: 'Custom TCP Rule', protocol: 'tcp', custom: true },
  custom_udp: { label: 'Custom UDP Rule', protocol: 'udp', custom: true },
  custom_icmp: { label: 'Custom ICMP Rule', protocol: 'icmp', custom: true },
  all_icmp: { label: 'ALL ICMP', protocol: 'icmp' },
  all_tcp: { label: 'ALL TCP', protocol: 'tcp' },
  all_udp: { label: 'ALL UDP', protocol: 'udp' },
  ssh: { label: 'SSH', protocol: 'tcp', port: 22 },
  http: { label: 'HTTP', protocol: 'tcp', port: 80 },
  https: { label: 'HTTPS', protocol: 'tcp', port: 443 },
  dns: { label: 'DNS', protocol: 'udp', port: 53 },
  mysql: { label: 'MYSQL', protocol: 'tcp', port: 3306 },
  rdp: { label: 'RDP', protocol: 'tcp', port: 3389 },
};

export interface RuleForm {
  rule: string;
  direction: string;
  port: string;
  remote: string;
  cidr: string;
  group: string;
  description: string;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: string };

export function ruleBody(groupId: string, f: RuleForm): Result<Record<string, unknown>> {
  const t = RULE_TEMPLATES[f.rule];
  if (!t) return { ok: false, error: 'Choose a rule.' };
  const body: Record<string, unknown> = {
    security_group_id: groupId,
    direction: t.custom ? f.direction : 'ingress',
    protocol: t.protocol,
  };
  if (t.port) {
    body.port_range_min = t.port;
    body.port_range_max = t.port;
  } else if (t.custom && t.protocol !== 'icmp' && f.port.trim()) {
    const m = /^(\d+)(?:\s*[-:]\s*(\d+))?$/.exec(f.port.trim());
    if (!m) return { ok: false, error: 'The port is a number from 1 to 65535, or a range like 8000-8080.' };
    const [min, max] = [Number(m[1]), Number(m[2] ?? m[1])];
    if (min < 1 || max > 65535 || min > max)
      return { ok: false, error: 'The port range is not within 1-65535 or is reversed.' };
    body.port_range_min = min;
    body.port_range_max = max;
  }
  if (f.remote === 'group') {
    if (!f.group) return { ok: false, error: 'Choose the remote security group.' };
    body.remote_group_id = f.group;
  } else if (f.cidr.trim()) {
    if (!/^[0-9a-fA-F:.]+\/\d{1,3}$/.test(f.cidr.trim()))
      return { ok: false, error: 'The CIDR is an address/prefix, e.g. 0.0.0.0/0.' };
    body.remote_ip_prefix = f.cidr.trim();
    body.ethertype = f.cidr.includes(':') ? 'IPv6' : 'IPv4';
  }
  if (f.description.trim()) body.description = f.description.trim();
  return { ok: true, value: body };
}
