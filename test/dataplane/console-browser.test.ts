import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageProperties, registerOverHttp } from '../../src/images/register.js';
import { buildTiny } from '../../src/images/tiny/build.js';
import { type Browser, CHROMIUM, fixture, screenshotDir, startBrowser } from '../dashboard/browser/harness.js';
import { helpers } from '../dashboard/browser/ui.js';
import { DataplaneCloud, until } from './harness.js';

// The dashboard's live console on a real guest: Debian's chromium signs in,
// opens the instance's Console tab, and noVNC connects through Nova's
// websocket proxy to the guest's qemu VNC socket. What the guest's screen
// shows (its kernel writes to tty0) is drawn on the canvas: the test checks
// that the canvas holds more than one colour, and that Ctrl-Alt-Del (sent
// through the same connection) is offered. No timings are asserted.

const NOVA = '/compute/v2.1';
describe.runIf(process.getuid?.() === 0 && existsSync(CHROMIUM))(
  "the dashboard's console on a real guest (noVNC in chromium)",
  { timeout: 600_000 },
  () => {
    const cloud = new DataplaneCloud();
    let browser: Browser | undefined;
    let id = '';

    beforeAll(async () => {
      // the dashboard's bundle, when its sources are newer (npm test does not build it)
      execFileSync(process.execPath, [fixture('scripts/dashboard.mjs'), '--if-stale'], { stdio: 'inherit' });
      const tiny = await buildTiny();
      await cloud.start();
      const image = await registerOverHttp(cloud.dataDir, {
        name: 'tiny-console',
        file: tiny.path,
        properties: imageProperties('tiny', tiny.key),
      });
      const network = (await cloud.neutron('POST', 'networks', { network: { name: 'private' } })).network.id;
      await cloud.neutron('POST', 'subnets', {
        subnet: { network_id: network, cidr: '10.78.0.0/24', ip_version: 4, name: 'private-subnet' },
      });
      await cloud.settled();
      id = (
        await cloud.call('POST', `${NOVA}/servers`, {
          server: { name: 'console1', imageRef: image, flavorRef: 'c1', networks: [{ uuid: network }] },
        })
      ).server.id;
      const s = await until(
        'ACTIVE',
        async () => (await cloud.call('GET', `${NOVA}/servers/${id}`)).server,
        (v) => v.status === 'ACTIVE' || v.status === 'ERROR',
      );
      expect(s.status, JSON.stringify(s.fault)).toBe('ACTIVE');
      // the kernel has written to the screen by the time it writes to the serial console
      await until(
        'the guest booting',
        async () =>
          (await cloud.call('POST', `${NOVA}/servers/${id}/action`, { 'os-getConsoleOutput': {} })).output as string,
        (log) => /tiny: /.test(log),
      );
    }, 900_000);

    afterAll(async () => {
      await browser?.close();
      await cloud.deleteServer(id);
      await cloud.cleanup();
    }, 180_000);

    it('connects noVNC to the guest and draws its screen', async () => {
      browser = await startBrowser();
      const { page } = browser;
      const ui = helpers(page, cloud.url);
      await ui.login('admin');
      await ui.nav('Instances');
      await ui.rowAction('Instances', 'console1', 'View Log');
      await page.getByRole('tab', { name: 'Console' }).click();
      await page.getByText('Connected', { exact: true }).waitFor({ timeout: 60_000 });
      expect(await page.getByRole('button', { name: 'Send Ctrl-Alt-Del' }).isEnabled()).toBe(true);
      // noVNC draws into a canvas inside the console's screen; a blank or never-drawn screen is one colour
      const colours = () =>
        page.evaluate(() => {
          const canvas = document.querySelector('.console-screen canvas') as HTMLCanvasElement | null;
          if (!canvas || canvas.width === 0 || canvas.height === 0) return 0;
          const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
          const seen = new Set<number>();
          for (let i = 0; i < data.length && seen.size < 16; i += 4)
            seen.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
          return seen.size;
        });
      await expect.poll(colours, { timeout: 60_000, interval: 1000 }).toBeGreaterThan(1);
      await page.screenshot({ path: join(screenshotDir(), 'real-guest-console.png') });
    });
  },
);
