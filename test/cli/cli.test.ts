import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import YAML from 'yaml';
import { cloudsYaml, openrc } from '../../src/cli/openrc.js';
import { reset } from '../../src/cli/reset.js';
import { writeState } from '../../src/cli/state.js';
import { status } from '../../src/cli/status.js';
import { createCloud, listen } from '../../src/cloud.js';
import { makeConfig } from '../../src/config.js';

/** What a CLI command prints with console.log, as one string. */
async function printed(fn: () => unknown): Promise<string> {
  const lines: string[] = [];
  const spy = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  try {
    await fn();
  } finally {
    spy.mockRestore();
  }
  return lines.join('\n');
}

const dirs: string[] = [];
function dataDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'pocketstack-cli-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  vi.restoreAllMocks();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const running = (dir: string, url = 'http://127.0.0.1:5999') =>
  writeState(dir, {
    url,
    pid: process.pid,
    startedAt: '2026-01-01T00:00:00Z',
    password: 's3cr3t',
    region: 'RegionOne',
  });

describe('cli: openrc, clouds-yaml, status, reset', () => {
  it("prints DevStack's openrc variables for the recorded cloud", async () => {
    const dir = dataDir();
    running(dir);
    const out = await printed(() => openrc('admin', 'demo', { dataDir: dir }));
    const vars = Object.fromEntries(
      out.split('\n').map((l) => {
        const m = /^export (\w+)=(.*)$/.exec(l)!;
        return [m[1], m[2]];
      }),
    );
    expect(vars).toMatchObject({
      OS_AUTH_URL: 'http://127.0.0.1:5999/identity',
      OS_USERNAME: 'admin',
      OS_PASSWORD: 's3cr3t',
      OS_PROJECT_NAME: 'demo',
      OS_USER_DOMAIN_ID: 'default',
      OS_PROJECT_DOMAIN_ID: 'default',
      OS_IDENTITY_API_VERSION: '3',
      OS_REGION_NAME: 'RegionOne',
    });
    // DevStack's `source openrc` with no arguments is demo on demo
    expect(await printed(() => openrc(undefined, undefined, { dataDir: dir }))).toMatch(/OS_USERNAME=demo\n/);
  });

  it('quotes a password the shell would otherwise split', async () => {
    const dir = dataDir();
    writeState(dir, { url: 'http://h:1', pid: 0, startedAt: '', password: "it's a secret", region: 'R' });
    expect(await printed(() => openrc('admin', 'admin', { dataDir: dir }))).toContain(
      "export OS_PASSWORD='it'\\''s a secret'",
    );
  });

  it('prints a clouds.yaml with pocketstack-admin and pocketstack-demo', async () => {
    const dir = dataDir();
    running(dir);
    const doc = YAML.parse(await printed(() => cloudsYaml({ dataDir: dir })));
    expect(Object.keys(doc.clouds)).toEqual(['pocketstack-admin', 'pocketstack-demo']);
    expect(doc.clouds['pocketstack-demo']).toMatchObject({
      auth: { auth_url: 'http://127.0.0.1:5999/identity', username: 'demo', password: 's3cr3t', project_name: 'demo' },
      region_name: 'RegionOne',
      identity_api_version: 3,
    });
  });

  it('reports status: stopped, then running and answering with its state counted', async () => {
    const dir = dataDir();
    expect(await printed(() => status({ dataDir: dir }))).toMatch(/^stopped\n/);
    const config = makeConfig({
      dataDir: dir,
      database: join(dir, 'pocketstack.db'),
      port: 0,
      passwordHashCost: 8,
      logLevel: 'silent',
      drivers: { compute: 'fake', network: 'fake', volume: 'fake' },
    });
    const cloud = await createCloud(config, { logger: pino({ level: 'silent' }) });
    try {
      const url = await listen(cloud);
      running(dir, url);
      const out = await printed(() => status({ dataDir: dir }));
      expect(out).toContain(`running   ${url} (pid ${process.pid}, since`);
      expect(out).toMatch(
        /state {5}projects 4, users 3, images \d+, networks \d+, ports \d+, servers 0, volumes 0, stacks 0$/m,
      );
    } finally {
      await cloud.close();
    }
  });

  it('reset refuses while the cloud runs, then wipes the data dir with --yes', async () => {
    const dir = dataDir();
    writeFileSync(join(dir, 'pocketstack.db'), 'x');
    running(dir);
    const exit = vi.spyOn(process, 'exit').mockImplementation(((code: number) => {
      throw new Error(`exit ${code}`);
    }) as never);
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    await expect(reset({ dataDir: dir, yes: true })).rejects.toThrow('exit 1');
    expect(exit).toHaveBeenCalledWith(1);
    expect(errors.mock.calls[0][0]).toMatch(/is running on http:\/\/127\.0\.0\.1:5999 .*stop it first/);
    expect(existsSync(join(dir, 'pocketstack.db'))).toBe(true);
    writeState(dir, { url: 'http://h:1', pid: 0, startedAt: '', password: 'x', region: 'R' });
    expect(await printed(() => reset({ dataDir: dir, yes: true }))).toBe(`reset ${dir}`);
    expect(readdirSync(dir)).toEqual([]);
  });
});
