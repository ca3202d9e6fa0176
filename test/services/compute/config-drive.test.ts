import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildIso } from '../../../src/services/compute/iso9660.js';

const hasIsoinfo = (() => {
  try {
    execFileSync('isoinfo', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(!hasIsoinfo)('compute: ISO 9660 config drive image', () => {
  const files = [
    { path: 'openstack/latest/meta_data.json', data: Buffer.from('{"uuid": "u1"}') },
    { path: 'openstack/latest/user_data', data: Buffer.from('#cloud-config\n') },
    { path: 'openstack/2012-08-10/meta_data.json', data: Buffer.from('{}') },
    { path: 'ec2/latest/meta-data.json', data: Buffer.alloc(5000, 97) },
    { path: 'openstack/content/0000', data: Buffer.alloc(0) },
  ];
  const dir = mkdtempSync(join(tmpdir(), 'iso-'));
  const iso = join(dir, 'cd.iso');
  writeFileSync(iso, buildIso('config-2', files));

  it('carries the label config-2 and a Joliet tree', () => {
    const info = execFileSync('isoinfo', ['-d', '-i', iso]).toString();
    expect(info).toContain('Volume id: config-2');
    expect(info).toContain('Joliet with UCS level 3 found');
  });

  it('lists every file under its long name and returns its bytes', () => {
    const list = execFileSync('isoinfo', ['-J', '-f', '-i', iso]).toString().split('\n');
    for (const f of files) expect(list).toContain(`/${f.path}`);
    const md = execFileSync('isoinfo', ['-J', '-x', '/openstack/latest/meta_data.json', '-i', iso]).toString();
    expect(md).toBe('{"uuid": "u1"}');
    const big = execFileSync('isoinfo', ['-J', '-x', '/ec2/latest/meta-data.json', '-i', iso]);
    expect(big.length).toBe(5000);
  });

  it('also has an ISO 9660 tree for readers without Joliet', () => {
    const list = execFileSync('isoinfo', ['-f', '-i', iso]).toString();
    expect(list).toContain('/OPENSTAC/LATEST/META_DAT.JSO;1');
  });
});
