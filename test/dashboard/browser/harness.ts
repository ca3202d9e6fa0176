import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export interface Cloud {
  url: string;
  stop(): Promise<void>;
}

/** A pocketstack of its own: free port, temp data dir, fake drivers (no root, no VMs). */
export async function startCloud(): Promise<Cloud> {
  const dataDir = mkdtempSync(join(tmpdir(), 'pocketstack-dashboard-'));
  const child: ChildProcess = spawn(
    process.execPath,
    [
      join(root, 'bin/pocketstack.js'),
      'start',
      '--port',
      '0',
      '--data-dir',
      dataDir,
      '--network-driver',
      'fake',
      '--compute-driver',
      'fake',
      '--default-image',
      'blank',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`pocketstack did not start in 90 s:\n${out}`)), 90_000);
      child.stdout!.on('data', (d: Buffer) => {
        out += d;
        const m = /running on (http:\/\/\S+)/.exec(out);
        if (m) {
          clearTimeout(t);
          resolve(m[1]);
        }
      });
      child.stderr!.on('data', (d: Buffer) => {
        out += d;
      });
      child.once('exit', (code) => reject(new Error(`pocketstack exited (${code}):\n${out}`)));
    });
    return { url, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

export interface Browser {
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

/** Debian's chromium, headless, on a fresh profile, at 1280×800. */
export async function startBrowser(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'pocketstack-chromium-'));
  try {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1280, height: 800 },
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    const page = context.pages()[0] ?? (await context.newPage());
    return {
      context,
      page,
      close: async () => {
        await context.close().catch(() => undefined);
        rmSync(profile, { recursive: true, force: true });
      },
    };
  } catch (e) {
    rmSync(profile, { recursive: true, force: true });
    throw e;
  }
}

/** Where screenshots go: $CI_ARTIFACTS/dashboard in CI, test/dashboard/screenshots otherwise. */
export function screenshotDir(): string {
  const dir = process.env.CI_ARTIFACTS
    ? join(process.env.CI_ARTIFACTS, 'dashboard')
    : join(root, 'test/dashboard/screenshots');
  mkdirSync(dir, { recursive: true });
  return dir;
}

export const fixture = (...p: string[]) => join(root, ...p);
