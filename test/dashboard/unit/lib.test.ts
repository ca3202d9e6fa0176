import { describe, expect, it } from 'vitest';
import { consoleToken, websocketUrl } from '../../../src/dashboard/lib/console.js';
import { addresses, base64, bytes, portRange, since } from '../../../src/dashboard/lib/format.js';
import { getFileRefs, matchFiles, paramFields } from '../../../src/dashboard/lib/heat.js';
import { parseProperties } from '../../../src/dashboard/lib/properties.js';
import { computeUsage, networkUsage } from '../../../src/dashboard/lib/quota.js';
import { ruleBody } from '../../../src/dashboard/lib/rules.js';
import { inTransition, pollInterval, tone } from '../../../src/dashboard/lib/status.js';

describe('dashboard: formats', () => {
  it('writes sizes, ages, port ranges and addresses as Horizon does', () => {
    expect(bytes(512)).toBe('512 bytes');
    expect(bytes(6 * 1024 * 1024)).toBe('6.0 MB');
    expect(bytes(null)).toBe('—');
    const now = Date.parse('2026-01-01T12:00:00Z');
    expect(since('2026-01-01T11:58:00Z', now)).toBe('2 min ago');
    expect(since('2026-01-01T11:59:30', now)).toBe('30 s ago');
    expect(portRange(22, 22)).toBe('22');
    expect(portRange(8000, 8080)).toBe('8000 - 8080');
    expect(portRange(null, null)).toBe('Any');
    expect(
      addresses({
        private: [
          { addr: '10.0.0.3', 'OS-EXT-IPS:type': 'fixed' },
          { addr: '172.24.4.9', 'OS-EXT-IPS:type': 'floating' },
        ],
      }),
    ).toEqual([{ network: 'private', fixed: ['10.0.0.3'], floating: ['172.24.4.9'] }]);
    expect(Buffer.from(base64('#cloud-config\nécho'), 'base64').toString()).toBe('#cloud-config\nécho');
  });
});

describe('dashboard: polling', () => {
  it('polls fast while a resource moves, slowly otherwise', () => {
    expect(inTransition({ status: 'BUILD' }, 'server')).toBe(true);
    expect(inTransition({ status: 'ACTIVE', 'OS-EXT-STS:task_state': 'rebooting' }, 'server')).toBe(true);
    expect(inTransition({ status: 'ACTIVE', 'OS-EXT-STS:task_state': null }, 'server')).toBe(false);
    expect(inTransition({ stack_status: 'CREATE_IN_PROGRESS' }, 'stack')).toBe(true);
    expect(pollInterval([{ status: 'available' }, { status: 'attaching' }], 'volume')).toBe(2000);
    expect(pollInterval([{ status: 'in-use' }], 'volume')).toBe(15000);
    expect(tone('CREATE_FAILED')).toBe('bad');
    expect(tone('SHUTOFF')).toBe('off');
    expect(tone('in-use')).toBe('ok');
  });
});

describe('dashboard: forms', () => {
  it('parses key=value properties and says which line is wrong', () => {
    expect(parseProperties('a=1\n\n b = two words \n')).toEqual({ ok: true, value: { a: '1', b: 'two words' } });
    expect(parseProperties('a=1\nnovalue')).toEqual({ ok: false, error: 'Line 2: write key=value.' });
  });

  it("makes Neutron's rule body from Horizon's rule form", () => {
    const base = { direction: 'ingress', port: '', remote: 'cidr', cidr: '0.0.0.0/0', group: '', description: '' };
    expect(ruleBody('g', { ...base, rule: 'ssh' })).toEqual({
      ok: true,
      value: {
        security_group_id: 'g',
        direction: 'ingress',
        protocol: 'tcp',
        port_range_min: 22,
        port_range_max: 22,
        remote_ip_prefix: '0.0.0.0/0',
        ethertype: 'IPv4',
      },
    });
    const custom = ruleBody('g', { ...base, rule: 'custom_udp', direction: 'egress', port: '8000-8080', cidr: '::/0' });
    expect(custom.ok && custom.value).toMatchObject({
      direction: 'egress',
      protocol: 'udp',
      port_range_min: 8000,
      port_range_max: 8080,
      ethertype: 'IPv6',
    });
    expect(ruleBody('g', { ...base, rule: 'custom_tcp', port: '9-1' }).ok).toBe(false);
    expect(ruleBody('g', { ...base, rule: 'custom_tcp', remote: 'group' }).ok).toBe(false);
  });

  it('finds the files a template reads with get_file and pairs them with chosen files by name', () => {
    const t =
      'user_data: { get_file: provision-db.yaml }\nx:\n  get_file: "lib/setup.sh"\ny: {"get_file": "file:///tmp/a.txt"}';
    const refs = getFileRefs(t);
    expect(refs).toEqual(['provision-db.yaml', 'lib/setup.sh', 'file:///tmp/a.txt']);
    expect(
      matchFiles(refs, [
        { name: 'setup.sh', text: 'S' },
        { name: 'provision-db.yaml', text: 'P' },
      ]),
    ).toEqual({
      'provision-db.yaml': 'P',
      'lib/setup.sh': 'S',
    });
  });

  it("builds the parameters form from Heat's validation", () => {
    expect(
      paramFields({
        image: { Type: 'String', Description: 'Image', Default: '' },
        flavor: { Type: 'String', Default: 'd2', AllowedValues: ['d1', 'd2'] },
        password: { Type: 'String', NoEcho: 'true' },
        count: { Type: 'Number', Default: 2, Label: 'How many' },
      }),
    ).toEqual([
      {
        name: 'image',
        label: 'image',
        type: 'String',
        description: 'Image',
        secret: false,
        value: '',
        choices: undefined,
      },
      {
        name: 'flavor',
        label: 'flavor',
        type: 'String',
        description: '',
        secret: false,
        value: 'd2',
        choices: ['d1', 'd2'],
      },
      {
        name: 'password',
        label: 'password',
        type: 'String',
        description: '',
        secret: true,
        value: '',
        choices: undefined,
      },
      {
        name: 'count',
        label: 'How many',
        type: 'Number',
        description: '',
        secret: false,
        value: '2',
        choices: undefined,
      },
    ]);
  });
});

describe('dashboard: quotas and consoles', () => {
  it("reads Nova's limits and Neutron's quota details", () => {
    expect(
      computeUsage({ totalInstancesUsed: 2, maxTotalInstances: 10, totalCoresUsed: 3, maxTotalCores: -1 }),
    ).toEqual([
      { label: 'Instances', used: 2, limit: 10 },
      { label: 'VCPUs', used: 3, limit: -1 },
      { label: 'RAM', used: 0, limit: -1, unit: 'MB' },
    ]);
    expect(networkUsage({ floatingip: { used: 1, limit: 50 } })[0]).toEqual({
      label: 'Floating IPs',
      used: 1,
      limit: 50,
    });
  });

  it("turns Nova's noVNC URL into its websocket on the page's origin", () => {
    const url = 'http://127.0.0.1:5000/compute/console/vnc_lite.html?path=%3Ftoken%3Dabc123';
    expect(consoleToken(url)).toBe('abc123');
    expect(websocketUrl(url, 'https://cloud.example:8443')).toBe(
      'wss://cloud.example:8443/compute/console/websockify?token=abc123',
    );
    expect(websocketUrl('http://h/compute/console/vnc_lite.html', 'http://h')).toBeUndefined();
    // the form pocketstack gives: `path` is the websocket's, from the host's root
    const withPath = 'http://h:5000/compute/console/vnc_lite.html?path=compute%2Fconsole%2Fwebsockify%3Ftoken%3Dxyz';
    expect(consoleToken(withPath)).toBe('xyz');
    expect(websocketUrl(withPath, 'http://h:5000')).toBe('ws://h:5000/compute/console/websockify?token=xyz');
  });
});
