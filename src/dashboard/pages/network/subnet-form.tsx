import { Field } from '../../components/Page.js';

export interface SubnetForm {
  name: string;
  cidr: string;
  gateway: string;
  dhcp: boolean;
  dns: string;
}

/** Neutron's subnet body from the form: IP version from the CIDR, blank gateway = Neutron's default. */
export function subnetBody(networkId: string, f: SubnetForm) {
  const dns = f.dns
    .split(/[\s,]+/)
    .map((d) => d.trim())
    .filter(Boolean);
  return {
    network_id: networkId,
    name: f.name,
    cidr: f.cidr.trim(),
    ip_version: f.cidr.includes(':') ? 6 : 4,
    enable_dhcp: f.dhcp,
    ...(f.gateway.trim() === 'none' ? { gateway_ip: null } : f.gateway.trim() ? { gateway_ip: f.gateway.trim() } : {}),
    ...(dns.length ? { dns_nameservers: dns } : {}),
  };
}

export function SubnetFields({ value, onChange }: { value: SubnetForm; onChange: (v: SubnetForm) => void }) {
  const set = (k: keyof SubnetForm, v: string | boolean) => onChange({ ...value, [k]: v });
  return (
    <>
      <Field label="Subnet Name">
        <input name="subnet_name" value={value.name} onChange={(e) => set('name', e.target.value)} />
      </Field>
      <Field label="Network Address" hint="CIDR, e.g. 192.168.1.0/24">
        <input name="cidr" value={value.cidr} onChange={(e) => set('cidr', e.target.value)} required />
      </Field>
      <Field label="Gateway IP" hint="Blank: the first address; 'none': no gateway.">
        <input name="gateway_ip" value={value.gateway} onChange={(e) => set('gateway', e.target.value)} />
      </Field>
      <label className="check">
        <input type="checkbox" checked={value.dhcp} onChange={(e) => set('dhcp', e.target.checked)} /> Enable DHCP
      </label>
      <Field label="DNS Name Servers" hint="Separated by spaces or commas.">
        <input value={value.dns} onChange={(e) => set('dns', e.target.value)} />
      </Field>
    </>
  );
}
