import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PowerState } from '../../../src/drivers/compute/driver.js';
import { FakeComputeDriver } from '../../../src/drivers/compute/fake.js';

const spec = (uuid: string) => ({
  uuid,
  name: 'instance-00000001',
  hostname: 'vm1',
  flavor: { vcpus: 1, memory_mb: 64, root_gb: 1, ephemeral_gb: 0, swap: 0, extra_specs: {} },
  ports: [
    {
      port_id: 'p1',
      network_id: 'n1',
      mac_address: 'fa:16:3e:00:00:01',
      fixed_ips: [{ ip_address: '10.0.0.5', subnet_id: 's1' }],
    },
  ],
  volumes: [],
});

describe('fake compute driver', () => {
  it('keeps power states through the lifecycle and destroys idempotently', async () => {
    const d = new FakeComputeDriver();
    await d.spawn(spec('a'));
    expect(await d.powerState('a')).toBe(PowerState.RUNNING);
    await d.powerOff('a');
    expect(await d.powerState('a')).toBe(PowerState.SHUTDOWN);
    await d.powerOn('a');
    await d.pause('a');
    expect(await d.powerState('a')).toBe(PowerState.PAUSED);
    await d.unpause('a');
    await d.suspend('a');
    expect(await d.powerState('a')).toBe(PowerState.SUSPENDED);
    await d.resume('a');
    expect(await d.consoleOutput('a')).toContain('10.0.0.5');
    expect((await d.consoleOutput('a', 1)).split('\n').filter(Boolean)).toHaveLength(1);
    await d.destroy('a');
    await d.destroy('a');
    expect(d.has('a')).toBe(false);
    expect(await d.powerState('a')).toBe(PowerState.NOSTATE);
  });

  it('fails the step it is told to, once, and leaves nothing behind after a failed spawn', async () => {
    const d = new FakeComputeDriver();
    d.failNext('spawn', { message: 'no room' });
    await expect(d.spawn(spec('b'))).rejects.toThrow('no room');
    expect(d.has('b')).toBe(false);
    await d.spawn(spec('b'));
    expect(d.has('b')).toBe(true);
    d.failNext('powerOff', { uuid: 'other' });
    await d.powerOff('b'); // another guest's failure does not hit this one
    await expect(d.powerOn('missing')).rejects.toThrow(/no guest/);
  });

  it('writes a snapshot file', async () => {
    const d = new FakeComputeDriver();
    await d.spawn(spec('c'));
    const path = join(mkdtempSync(join(tmpdir(), 'snap-')), 'disk');
    const out = await d.snapshot('c', path);
    expect(out.disk_format).toBe('qcow2');
    expect(readFileSync(path).subarray(0, 4).toString('latin1')).toBe('QFI\xfb');
  });
});
