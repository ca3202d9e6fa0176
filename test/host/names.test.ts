import { describe, expect, it } from 'vitest';
import { argv, HostCommandError, HostCommandMissing, run } from '../../src/host/exec.js';
import { assertId, bridgeName, dhcpNamespace, hostTag, hostVethPeerName, tapName } from '../../src/host/names.js';

describe('host names', () => {
  const id = '3f1c2a9e-5b7d-4c1e-9f00-aabbccddeeff';
  it('follows Neutron: 11 characters of the id after the prefix, 15 at most', () => {
    expect(bridgeName(id)).toBe('brq3f1c2a9e-5b');
    expect(tapName(id)).toBe('tap3f1c2a9e-5b');
    expect(dhcpNamespace(id)).toBe(`qdhcp-${id}`);
    expect(hostVethPeerName(hostTag('/tmp/x')).length).toBeLessThanOrEqual(15);
  });
  it('refuses anything but an id', () => {
    for (const bad of ['eth0; rm -rf /', '../../etc', 'My Network', 'abc', `${id}\n`])
      expect(() => assertId(bad)).toThrow();
    expect(assertId(id)).toBe(id);
  });
  it('gives each data dir its own tag, the same one every time', () => {
    expect(hostTag('/a/b')).toBe(hostTag('/a/b/'));
    expect(hostTag('/a/b')).not.toBe(hostTag('/a/c'));
    expect(hostTag('/a/b')).toMatch(/^[0-9a-f]{6}$/);
  });
});

describe('host commands', () => {
  it('run in a namespace through ip netns exec, as an argument array', () => {
    expect(argv('nft', ['-f', '-'], { netns: 'qrouter-x' })).toEqual([
      'ip',
      'netns',
      'exec',
      'qrouter-x',
      'nft',
      '-f',
      '-',
    ]);
    expect(() => argv('echo', ['a\0b'])).toThrow();
  });
  it('resolve with stdout, reject with the exit status and stderr, or say what to install', async () => {
    expect(await run('sh', ['-c', 'cat; echo -n " out"'], { input: 'in' })).toBe('in out');
    await expect(run('sh', ['-c', 'echo nope >&2; exit 3'])).rejects.toThrow(HostCommandError);
    await expect(run('sh', ['-c', 'echo nope >&2; exit 3'])).rejects.toThrow(/exit 3\): nope/);
    expect(await run('sh', ['-c', 'exit 1'], { okCodes: [1] })).toBe('');
    await expect(run('no-such-program-here', [])).rejects.toThrow(HostCommandMissing);
    await expect(run('sleep', ['5'], { timeoutMs: 50 })).rejects.toThrow(/killed/);
  });
});
