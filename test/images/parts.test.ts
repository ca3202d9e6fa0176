import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { run } from '../../src/host/exec.js';
import { cpioArchive } from '../../src/images/cpio.js';
import { CLOUD_CFG } from '../../src/images/debian/customize.js';
import { neededLibraries } from '../../src/images/elf.js';
import { moduleLoadOrder } from '../../src/images/tiny/build.js';
import { JSON_AWK } from '../../src/images/tiny/json.js';

describe('image builder parts', () => {
  it("configures the debian image's cloud-init as Debian's cloud images do", () => {
    const cfg = parse(CLOUD_CFG);
    expect(cfg.datasource_list).toEqual(['ConfigDrive', 'OpenStack', 'None']);
    // the instance's own name in /etc/hosts: without it sudo warns "unable to resolve host"
    expect(cfg.manage_etc_hosts).toBe(true);
  });

  it('write cpio newc entries the kernel unpacks: header, name, 4-byte padding, trailer', () => {
    const a = cpioArchive([
      { path: 'etc', type: 'dir' },
      { path: '/etc/hostname', type: 'file', data: Buffer.from('tiny\n'), mode: 0o600 },
      { path: 'dev/console', type: 'char', major: 5, minor: 1 },
    ]);
    const text = a.toString('latin1');
    expect(text.startsWith('070701')).toBe(true);
    const at = text.indexOf('etc/hostname\0');
    const head = text.slice(at - 110, at);
    expect(head.slice(14, 22)).toBe((0o100600).toString(16).padStart(8, '0')); // mode
    expect(parseInt(head.slice(54, 62), 16)).toBe(5); // file size
    expect((at - 110) % 4).toBe(0);
    const data = Math.ceil((at + 'etc/hostname\0'.length) / 4) * 4; // the name is padded to 4 bytes
    expect(text.slice(data, data + 5)).toBe('tiny\n');
    expect(text).toContain('TRAILER!!!');
    expect(a.length % 4).toBe(0);
  });

  it('orders modules after what they depend on, once each, cycles tolerated', () => {
    const deps: Record<string, string[]> = {
      virtio_net: ['net_failover', 'virtio'],
      net_failover: ['failover'],
      virtio: ['virtio_ring'],
      sr_mod: ['cdrom', 'virtio'],
    };
    const order = moduleLoadOrder(['virtio_net', 'sr_mod'], (m) => deps[m] ?? []);
    expect(order).toEqual(['failover', 'net_failover', 'virtio_ring', 'virtio', 'virtio_net', 'cdrom', 'sr_mod']);
  });

  it.skipIf(!existsSync('/bin/ls'))('reads the libraries a program needs from its ELF dynamic section', () => {
    expect(neededLibraries(readFileSync('/bin/ls'))).toContain('libc.so.6');
  });

  it.skipIf(!existsSync('/bin/busybox'))(
    'flattens meta_data.json with busybox awk, as the tiny image does',
    async () => {
      const json = JSON.stringify({
        uuid: 'u-1',
        meta: { db_ip: '192.168.1.4', 'odd key': 'tab\there "quoted" \\ \u00e9' },
        public_keys: { k: 'ssh-ed25519 AAAA x@y\n' },
        keys: [{ name: 'k' }],
        devices: [],
        n: null,
      });
      const out = await run('/bin/busybox', ['awk', JSON_AWK], { input: json });
      expect(out.split('\n')).toEqual([
        'uuid\tu-1',
        'meta.db_ip\t192.168.1.4',
        'meta.odd key\ttab here "quoted" \\ é',
        'public_keys.k\tssh-ed25519 AAAA x@y\\n',
        'keys.0.name\tk',
        'n\tnull',
        '',
      ]);
    },
  );
});
