import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HostSetup, parseAptStatus, type SetupState } from '../../src/host/setup.js';

const absent = { 'pocketstack-no-such-tool': 'pocketstack-no-such-package' };

describe('host setup', () => {
  it("reads apt's status lines", () => {
    expect(parseAptStatus('pmstatus:dnsmasq-base:42.8571:Unpacking dnsmasq-base (amd64)')).toEqual({
      percent: 42.8571,
      text: 'Unpacking dnsmasq-base (amd64)',
      download: false,
    });
    expect(parseAptStatus('dlstatus:1:12.5:Retrieving file 1 of 8')?.download).toBe(true);
    expect(parseAptStatus('Reading package lists...')).toBeUndefined();
  });

  it('with every tool present, is ready without apt', async () => {
    const calls: string[][] = [];
    const s = new HostSetup({
      dataDir: mkdtempSync(join(tmpdir(), 'setup-')),
      allowInstall: true,
      tools: { sh: 'dash' },
      extras: [],
      apt: async (args) => void calls.push(args),
    });
    await s.ready;
    expect(s.state.phase).toBe('ready');
    expect(calls).toEqual([]);
  });

  it('under --no-host-setup, says what is missing and installs nothing', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'setup-'));
    const calls: string[][] = [];
    const s = new HostSetup({
      dataDir,
      allowInstall: false,
      tools: absent,
      extras: [],
      apt: async (a) => void calls.push(a),
    });
    await expect(s.ready).rejects.toThrow(/^missing pocketstack-no-such-package \(--no-host-setup/);
    expect(calls).toEqual([]);
    expect(JSON.parse(readFileSync(join(dataDir, 'host-setup.json'), 'utf8')).phase).toBe('skipped');
  });

  it('installs with progress, updates the package lists when the first install fails, and checks the result', async () => {
    const calls: string[][] = [];
    const seen: SetupState[] = [];
    const s = new HostSetup({
      dataDir: mkdtempSync(join(tmpdir(), 'setup-')),
      allowInstall: true,
      tools: absent,
      extras: [],
      onState: (st) => seen.push(st),
      apt: async (args, onLine) => {
        calls.push(args);
        if (args[0] === 'install' && calls.length === 1) throw new Error('Unable to locate package');
        onLine('dlstatus:1:50:Retrieving file 1 of 2');
        onLine('pmstatus:x:100:Installed x');
      },
    });
    // the fake apt installs nothing, so the tool is still missing afterwards
    await expect(s.ready).rejects.toThrow(/still missing after apt-get install: pocketstack-no-such-package/);
    expect(calls.map((c) => c[0])).toEqual(['install', 'update', 'install']);
    expect(calls[2]).toContain('pocketstack-no-such-package');
    expect(seen.map((st) => st.percent).filter((p) => p !== undefined)).toEqual(expect.arrayContaining([25, 100]));
    expect(s.state.phase).toBe('failed');
  });
});
