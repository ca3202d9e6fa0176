import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { apiClient } from './api.js';
import { type Browser, type Cloud, screenshotDir, startBrowser, startCloud } from './harness.js';
import { helpers } from './ui.js';

// The dashboard's other everyday flows, as demo: key pairs, security group
// rules, a network with a subnet routed by a new router, instance power
// actions and snapshot, volume detach, snapshot and backup, floating IPs,
// a stack deleted, API errors read in dialogs, the topology redrawn as
// another client changes the cloud, deletes; then admin's views across
// projects.

let cloud: Cloud;
let browser: Browser;
let page: Page;
let ui: ReturnType<typeof helpers>;
const shots = screenshotDir();
const shot = (name: string) => page.screenshot({ path: join(shots, `flows-${name}.png`) });
const dialog = (name: string) => page.getByRole('dialog', { name });
const status = (r: Locator, s: string) => r.locator('.badge').filter({ hasText: new RegExp(`^${s}$`) });

/** An OpenSSH ed25519 public key line, made here. */
function sshPublicKey(): string {
  const { publicKey } = generateKeyPairSync('ed25519');
  const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url');
  const str = (b: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, b.length]), b]);
  return `ssh-ed25519 ${Buffer.concat([str(Buffer.from('ssh-ed25519')), str(raw)]).toString('base64')} test@dashboard`;
}

beforeAll(async () => {
  cloud = await startCloud();
  try {
    browser = await startBrowser();
  } catch (e) {
    await cloud.stop();
    throw e;
  }
  page = browser.page;
  ui = helpers(page, cloud.url);
  await ui.login('demo');
});

// a test that failed with a dialog open leaves the next one a page to work on
afterEach(async () => {
  for (let i = 0; i < 3 && (await page.locator('dialog[open]').count()) > 0; i++) await page.keyboard.press('Escape');
});

afterAll(async () => {
  await browser?.close();
  await cloud?.stop();
});

describe('the dashboard: everyday flows', () => {
  it('creates a key pair and downloads its private key once, refuses a duplicate in Nova words, imports one', async () => {
    await ui.nav('Key Pairs');
    await expect.poll(() => page.getByText('No key pairs').count()).toBe(1);
    await page.getByRole('button', { name: 'Create Key Pair' }).click();
    await dialog('Create Key Pair').getByLabel('Key Pair Name').fill('kp1');
    await dialog('Create Key Pair').getByRole('button', { name: 'Create Key Pair' }).click();
    const shown = dialog('Private key of kp1');
    await expect.poll(() => shown.locator('pre').textContent()).toContain('PRIVATE KEY');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      shown.getByRole('button', { name: 'Download kp1.pem' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('kp1.pem');
    expect(readFileSync((await download.path())!, 'utf8')).toContain('PRIVATE KEY');
    await shot('keypair-private');
    await shown.locator('footer').getByRole('button', { name: 'Close' }).click();
    await expect.poll(() => ui.row('Key Pairs', 'kp1').count()).toBe(1);

    await page.getByRole('button', { name: 'Create Key Pair' }).click();
    await dialog('Create Key Pair').getByLabel('Key Pair Name').fill('kp1');
    await dialog('Create Key Pair').getByRole('button', { name: 'Create Key Pair' }).click();
    await expect
      .poll(() => dialog('Create Key Pair').getByRole('alert').textContent())
      .toContain("Key pair 'kp1' already exists.");
    await shot('keypair-conflict');
    await page.keyboard.press('Escape');

    await page.getByRole('button', { name: 'Import Public Key' }).click();
    await dialog('Import Public Key').getByLabel('Key Pair Name').fill('imported');
    await dialog('Import Public Key').getByLabel('Public Key').fill(sshPublicKey());
    await dialog('Import Public Key').getByRole('button', { name: 'Import Public Key' }).click();
    await expect.poll(() => ui.row('Key Pairs', 'imported').count()).toBe(1);
  });

  it('adds and deletes security group rules, and says what is wrong with a port range', async () => {
    await ui.nav('Security Groups');
    await page.getByRole('button', { name: 'Create Security Group' }).click();
    await dialog('Create Security Group').getByLabel('Name').fill('web');
    await dialog('Create Security Group').getByRole('button', { name: 'Create Security Group' }).click();
    await ui.row('Security Groups', 'web').getByRole('link', { name: 'web' }).click();
    await page.getByRole('heading', { name: /Manage Security Group Rules: web/ }).waitFor();
    await page.getByRole('button', { name: 'Add Rule' }).click();
    await dialog('Add Rule').getByLabel('Rule').selectOption('http');
    await dialog('Add Rule').getByRole('button', { name: 'Add' }).click();
    await expect.poll(() => ui.row('Rules', 'TCP').filter({ hasText: '80' }).count()).toBe(1);
    await page.getByRole('button', { name: 'Add Rule' }).click();
    await dialog('Add Rule').getByLabel('Port', { exact: true }).fill('99999');
    await expect.poll(() => dialog('Add Rule').getByText('not within 1-65535').count()).toBe(1);
    expect(await dialog('Add Rule').getByRole('button', { name: 'Add' }).isDisabled()).toBe(true);
    await dialog('Add Rule').getByLabel('Port', { exact: true }).fill('8000-8080');
    await dialog('Add Rule').getByRole('button', { name: 'Add' }).click();
    await expect.poll(() => ui.row('Rules', '8000 - 8080').count()).toBe(1);
    await shot('security-group-rules');
    await ui.rowAction('Rules', '8000 - 8080', 'Delete Rule');
    await dialog('Confirm Delete Rule').getByRole('button', { name: 'Delete Rule' }).click();
    await expect.poll(() => ui.row('Rules', '8000 - 8080').count()).toBe(0);
  });

  it("shows Neutron's message for a bad CIDR, then makes a network and subnet routed by a new router", async () => {
    await ui.nav('Networks');
    await page.getByRole('button', { name: 'Create Network' }).click();
    const create = dialog('Create Network');
    await create.getByLabel('Network Name').fill('net2');
    await create.getByLabel('Network Address').fill('300.1.1.0/24');
    await create.getByRole('button', { name: 'Create' }).click();
    await expect.poll(() => create.getByRole('alert').textContent()).toMatch(/300\.1\.1\.0\/24/);
    await shot('network-error');
    await page.keyboard.press('Escape');
    // the network was made before the subnet failed, as Horizon's wizard does: delete it
    await ui.rowAction('Networks', 'net2', 'Delete Network');
    await dialog('Confirm Delete Network').getByRole('button', { name: 'Delete Network' }).click();
    await expect.poll(() => ui.row('Networks', 'net2').count()).toBe(0);

    await page.getByRole('button', { name: 'Create Network' }).click();
    await create.getByLabel('Network Name').fill('net2');
    await create.getByLabel('Subnet Name').fill('sub2');
    await create.getByLabel('Network Address').fill('192.168.50.0/24');
    await create.getByRole('button', { name: 'Create' }).click();
    await expect.poll(() => ui.row('Networks', 'net2').textContent()).toContain('sub2 192.168.50.0/24');

    await ui.nav('Routers');
    await page.getByRole('button', { name: 'Create Router' }).click();
    await dialog('Create Router').getByLabel('Router Name').fill('r2');
    await dialog('Create Router').getByLabel('External Network').selectOption({ label: 'public' });
    await dialog('Create Router').getByRole('button', { name: 'Create Router' }).click();
    await expect.poll(() => ui.row('Routers', 'r2').textContent()).toMatch(/public \(172\.24\.4\.\d+/);
    await ui.row('Routers', 'r2').getByRole('link', { name: 'r2' }).click();
    await page.getByRole('button', { name: 'Add Interface' }).click();
    await dialog('Add Interface').getByLabel('Subnet').selectOption({ label: 'net2: 192.168.50.0/24 (sub2)' });
    await dialog('Add Interface').getByRole('button', { name: 'Submit' }).click();
    await expect.poll(() => ui.row('Interfaces', '192.168.50.1').count()).toBe(1);
    await shot('router-interfaces');
  });

  it('launches on the new network with a key pair, shuts it off, starts it and snapshots it', async () => {
    await ui.nav('Instances');
    await page.getByRole('button', { name: 'Launch Instance' }).click();
    const launch = dialog('Launch Instance');
    await launch.getByLabel('Instance Name').fill('vm2');
    await launch.getByLabel('Key Pair').selectOption('kp1');
    await launch.getByRole('checkbox', { name: 'net2' }).check();
    await launch.getByRole('checkbox', { name: 'private' }).uncheck();
    await launch.getByRole('checkbox', { name: 'web' }).check();
    await launch.getByRole('button', { name: 'Launch Instance' }).click();
    const vm = ui.row('Instances', 'vm2');
    await expect.poll(() => status(vm, 'ACTIVE').count(), { timeout: 30_000 }).toBe(1);
    expect(await vm.textContent()).toMatch(/net2:\s*192\.168\.50\.\d+.*kp1/s);
    await ui.rowAction('Instances', 'vm2', 'Shut Off Instance');
    await expect.poll(() => status(vm, 'SHUTOFF').count(), { timeout: 30_000 }).toBe(1);
    expect(await vm.textContent()).toContain('Shut Down');
    await ui.rowAction('Instances', 'vm2', 'Start Instance');
    await expect.poll(() => status(vm, 'ACTIVE').count(), { timeout: 30_000 }).toBe(1);
    await ui.rowAction('Instances', 'vm2', 'Create Snapshot');
    await dialog('Create Snapshot').getByRole('button', { name: 'Create Snapshot' }).click();
    await ui.nav('Images');
    await expect.poll(() => status(ui.row('Images', 'vm2-snapshot'), 'active').count(), { timeout: 30_000 }).toBe(1);
    await ui.nav('Instances');
    await ui.row('Instances', 'vm2').getByRole('link', { name: 'vm2' }).click();
    await expect
      .poll(() => page.locator('dl.fields').textContent())
      .toMatch(/Security Groups.*default, web|Security Groups.*web, default/s);
    await shot('instance-overview');
  });

  it('detaches a volume, snapshots it and backs it up', async () => {
    await ui.nav('Volumes');
    await page.getByRole('button', { name: 'Create Volume' }).click();
    await dialog('Create Volume').getByLabel('Volume Name').fill('vol2');
    await dialog('Create Volume').getByRole('button', { name: 'Create Volume' }).click();
    const vol = ui.row('Volumes', 'vol2');
    await expect.poll(() => status(vol, 'available').count(), { timeout: 20_000 }).toBe(1);
    await ui.rowAction('Volumes', 'vol2', 'Manage Attachments');
    await dialog('Manage Volume Attachments').getByRole('button', { name: 'Attach Volume' }).click();
    await expect.poll(() => status(vol, 'in-use').count(), { timeout: 30_000 }).toBe(1);
    await ui.rowAction('Volumes', 'vol2', 'Manage Attachments');
    await dialog('Manage Volume Attachments').getByRole('button', { name: 'Detach Volume' }).click();
    await expect.poll(() => status(vol, 'available').count(), { timeout: 30_000 }).toBe(1);
    expect(await vol.textContent()).not.toContain('vm2');

    await ui.rowAction('Volumes', 'vol2', 'Create Snapshot');
    await dialog('Create Volume Snapshot').getByLabel('Snapshot Name').fill('snap2');
    await dialog('Create Volume Snapshot').getByRole('button', { name: 'Create Volume Snapshot' }).click();
    await ui.rowAction('Volumes', 'vol2', 'Create Backup');
    await dialog('Create Volume Backup').getByLabel('Backup Name').fill('backup2');
    await dialog('Create Volume Backup').getByRole('button', { name: 'Create Volume Backup' }).click();
    await ui.nav('Snapshots');
    await expect
      .poll(() => status(ui.row('Volume Snapshots', 'snap2'), 'available').count(), { timeout: 30_000 })
      .toBe(1);
    await ui.nav('Backups');
    await expect
      .poll(() => status(ui.row('Volume Backups', 'backup2'), 'available').count(), { timeout: 30_000 })
      .toBe(1);
    await shot('backups');
  });

  it('allocates a floating IP, associates it from its own page, and releases it', async () => {
    await ui.nav('Floating IPs');
    await page.getByRole('button', { name: 'Allocate IP To Project' }).click();
    await dialog('Allocate Floating IP').getByRole('button', { name: 'Allocate IP' }).click();
    const fip = ui.row('Floating IPs', '172.24.4.');
    await expect.poll(() => fip.count()).toBe(1);
    await ui.rowAction('Floating IPs', '172.24.4.', 'Associate');
    await dialog('Manage Floating IP Associations').getByRole('button', { name: 'Associate' }).click();
    await expect.poll(() => fip.textContent()).toMatch(/vm2 192\.168\.50\.\d+/);
    await ui.rowAction('Floating IPs', '172.24.4.', 'Disassociate');
    await expect.poll(() => fip.textContent()).not.toContain('vm2');
    await ui.rowAction('Floating IPs', '172.24.4.', 'Release Floating IP');
    await dialog('Confirm Release Floating IP').getByRole('button', { name: 'Release Floating IP' }).click();
    await expect.poll(() => page.getByText('No floating IPs allocated').count()).toBe(1);
  });

  it('launches from a port made on the network page, with user data that reaches Nova as typed', async () => {
    await ui.nav('Networks');
    await ui.row('Networks', 'net2').getByRole('link', { name: 'net2' }).click();
    await page.getByRole('tab', { name: 'Ports' }).click();
    await page.getByRole('button', { name: 'Create Port' }).click();
    await dialog('Create Port').getByLabel('Name').fill('fixed77');
    await dialog('Create Port').getByLabel('Fixed IP Address').fill('192.168.50.77');
    await dialog('Create Port').getByRole('button', { name: 'Create' }).click();
    await expect.poll(() => ui.row('Ports', 'fixed77').textContent()).toContain('192.168.50.77');

    await ui.nav('Instances');
    await page.getByRole('button', { name: 'Launch Instance' }).click();
    const launch = dialog('Launch Instance');
    await launch.getByLabel('Instance Name').fill('vm-port');
    await launch.getByRole('radio', { name: 'A port' }).check();
    await launch.getByLabel('Port', { exact: true }).selectOption({ label: 'fixed77 (192.168.50.77)' });
    const userData = '#cloud-config\n# héllo ✓ from the dashboard\nruncmd:\n  - echo hi\n';
    await launch.getByLabel('Customization Script (user data)').fill(userData);
    await launch.getByRole('button', { name: 'Launch Instance' }).click();
    const vm = ui.row('Instances', 'vm-port');
    await expect.poll(() => status(vm, 'ACTIVE').count(), { timeout: 30_000 }).toBe(1);
    expect(await vm.textContent()).toContain('192.168.50.77');

    // what Nova stored, as an admin reads it (microversion 2.3)
    const demo = await apiClient(cloud.url, 'demo');
    const { servers } = await demo('GET', '/compute/v2.1/servers?name=vm-port');
    const admin = await apiClient(cloud.url, 'admin');
    const { server } = await admin('GET', `/compute/v2.1/servers/${servers[0].id}`, undefined, {
      'OpenStack-API-Version': 'compute 2.3',
    });
    expect(Buffer.from(server['OS-EXT-SRV-ATTR:user_data'], 'base64').toString('utf8')).toBe(userData);
    await ui.rowAction('Instances', 'vm-port', 'Delete Instance');
    await dialog('Confirm Delete Instance').getByRole('button', { name: 'Delete Instance' }).click();
    await expect.poll(() => vm.count(), { timeout: 30_000 }).toBe(0);
  });

  it("clears a router's gateway and sets it again", async () => {
    await ui.nav('Routers');
    const r2 = ui.row('Routers', 'r2');
    await ui.rowAction('Routers', 'r2', 'Clear Gateway');
    await dialog('Confirm Clear Gateway').getByRole('button', { name: 'Clear Gateway' }).click();
    await expect.poll(() => r2.textContent()).not.toContain('public');
    await ui.rowAction('Routers', 'r2', 'Set Gateway');
    await dialog('Set Gateway').getByLabel('External Network').selectOption({ label: 'public' });
    await dialog('Set Gateway').getByRole('button', { name: 'Submit' }).click();
    await expect.poll(() => r2.textContent()).toMatch(/public \(172\.24\.4\.\d+/);
  });

  it('launches a stack from a small template and deletes it', async () => {
    await ui.nav('Stacks');
    await page.getByRole('button', { name: 'Launch Stack' }).click();
    const template = [
      'heat_template_version: 2018-08-31',
      'parameters:',
      '  length: { type: number, default: 12, description: Length of the secret }',
      'resources:',
      '  secret: { type: OS::Heat::RandomString, properties: { length: { get_param: length } } }',
      'outputs:',
      '  secret_length: { value: { get_param: length } }',
    ].join('\n');
    await dialog('Select Template')
      .getByLabel('Template File')
      .setInputFiles({ name: 'small.yaml', mimeType: 'text/yaml', buffer: Buffer.from(template) });
    await dialog('Select Template').getByRole('button', { name: 'Next' }).click();
    const launch = dialog('Launch Stack');
    expect(await launch.getByLabel('Stack Name').inputValue()).toBe('small');
    await launch.locator('input[name="param-length"]').fill('20');
    await launch.getByRole('button', { name: 'Launch' }).click();
    await ui.row('Stacks', 'small').getByRole('link', { name: 'small' }).click();
    await expect.poll(() => page.locator('dl.outputs').textContent(), { timeout: 30_000 }).toContain('20');
    await page.getByRole('button', { name: 'Delete Stack' }).click();
    await dialog('Confirm Delete Stack').getByRole('button', { name: 'Delete Stack' }).click();
    await page.getByRole('heading', { name: 'Stacks' }).waitFor();
    await expect.poll(() => page.getByText('No stacks').count(), { timeout: 30_000 }).toBe(1);
  });

  it('draws the new router and network in the topology', async () => {
    await ui.nav('Network Topology');
    const topo = page.getByLabel('Network topology');
    await expect.poll(() => topo.getByTestId('topology-router').filter({ hasText: 'r2' }).count()).toBe(1);
    expect(await topo.getByTestId('topology-network').filter({ hasText: 'net2' }).count()).toBe(1);
    expect(await topo.getByTestId('topology-instance').filter({ hasText: 'vm2' }).count()).toBe(1);
    await shot('topology');
  });

  it('redraws the topology as another client changes the cloud, without a reload', async () => {
    const api = await apiClient(cloud.url, 'demo');
    await ui.nav('Network Topology');
    const topo = page.getByLabel('Network topology');
    const node = (kind: string, name: string) => topo.getByTestId(`topology-${kind}`).filter({ hasText: name });
    await node('network', 'net2').waitFor();
    await page.evaluate(() => {
      (window as any).sameDocument = true;
    });
    const { network } = await api('POST', '/networking/v2.0/networks', { network: { name: 'net3' } });
    await api('POST', '/networking/v2.0/subnets', {
      subnet: { network_id: network.id, name: 'sub3', ip_version: 4, cidr: '192.168.60.0/24' },
    });
    await expect.poll(() => node('network', 'net3').count(), { timeout: 20_000 }).toBe(1);
    const { images } = await api('GET', '/image/v2/images?name=cirros-0.6.2-x86_64-disk');
    const { server } = await api('POST', '/compute/v2.1/servers', {
      server: { name: 'vm3', flavorRef: '1', imageRef: images[0].id, networks: [{ uuid: network.id }] },
    });
    await expect.poll(() => node('instance', 'vm3').count(), { timeout: 20_000 }).toBe(1);
    await shot('topology-live');
    await api('DELETE', `/compute/v2.1/servers/${server.id}`);
    await api('DELETE', `/networking/v2.0/networks/${network.id}`).catch(async () => {
      // the instance's port may still be there for a moment: Neutron refuses then
      await expect.poll(() => node('instance', 'vm3').count(), { timeout: 20_000 }).toBe(0);
      await api('DELETE', `/networking/v2.0/networks/${network.id}`);
    });
    await expect.poll(() => node('instance', 'vm3').count(), { timeout: 20_000 }).toBe(0);
    await expect.poll(() => node('network', 'net3').count(), { timeout: 20_000 }).toBe(0);
    expect(await page.evaluate(() => (window as any).sameDocument)).toBe(true);
  });

  it('reboots, offers no delete for a volume with snapshots (as Horizon), and deletes an image, a key pair and an instance', async () => {
    await ui.nav('Instances');
    const vm = ui.row('Instances', 'vm2');
    await ui.rowAction('Instances', 'vm2', 'Hard Reboot Instance');
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'Hard reboot: vm2' }).count()).toBe(1);
    await expect.poll(() => status(vm, 'ACTIVE').count(), { timeout: 30_000 }).toBe(1);

    // vol2 has snapshot snap2: as Horizon, Delete Volume is not offered (Cinder would refuse)
    await ui.nav('Volumes');
    await ui
      .row('Volumes', 'vol2')
      .getByRole('button', { name: /More actions/ })
      .click();
    await page.getByRole('menuitem', { name: 'Create Backup' }).waitFor();
    expect(await page.getByRole('menuitem', { name: 'Delete Volume' }).count()).toBe(0);
    await shot('volume-delete-not-offered');
    await page.keyboard.press('Escape');
    expect(await ui.row('Volumes', 'vol2').count()).toBe(1);

    await ui.nav('Images');
    await ui.rowAction('Images', 'vm2-snapshot', 'Delete Image');
    await dialog('Confirm Delete Image').getByRole('button', { name: 'Delete Image' }).click();
    await expect.poll(() => ui.row('Images', 'vm2-snapshot').count()).toBe(0);

    await ui.nav('Key Pairs');
    await ui.rowAction('Key Pairs', 'imported', 'Delete Key Pair');
    await dialog('Confirm Delete Key Pair').getByRole('button', { name: 'Delete Key Pair' }).click();
    await expect.poll(() => ui.row('Key Pairs', 'imported').count()).toBe(0);
    expect(await ui.row('Key Pairs', 'kp1').count()).toBe(1);

    await ui.nav('Instances');
    await ui.rowAction('Instances', 'vm2', 'Delete Instance');
    await dialog('Confirm Delete Instance').getByRole('button', { name: 'Delete Instance' }).click();
    await expect.poll(() => page.getByText('No instances yet').count(), { timeout: 30_000 }).toBe(1);
  });

  it("shows an admin every project's resources with their project, and makes and deletes a flavor", async () => {
    await page.getByRole('button', { name: 'Sign Out' }).click();
    await ui.login('admin');
    await ui.nav('Volumes', '/admin/volumes');
    await expect.poll(() => ui.row('Volumes', 'vol2').textContent()).toContain('demo');
    await ui.nav('Snapshots', '/admin/snapshots');
    await expect.poll(() => ui.row('Volume Snapshots', 'snap2').textContent()).toContain('demo');
    await ui.nav('Networks', '/admin/networks');
    await expect.poll(() => ui.row('Networks', 'net2').textContent()).toContain('demo');
    await ui.nav('Routers', '/admin/routers');
    await expect.poll(() => ui.row('Routers', 'r2').textContent()).toContain('demo');
    await shot('admin-routers');

    await ui.nav('Flavors', '/admin/flavors');
    await page.getByRole('button', { name: 'Create Flavor' }).click();
    const create = dialog('Create Flavor');
    await create.getByLabel('Name').fill('m1.dash');
    await create.getByLabel('VCPUs').fill('2');
    await create.getByLabel('RAM (MB)').fill('1536');
    await create.getByLabel('Root Disk (GB)').fill('3');
    await create.getByRole('button', { name: 'Create Flavor' }).click();
    const flavor = ui.row('Flavors', 'm1.dash');
    await expect.poll(() => flavor.textContent()).toMatch(/m1\.dash\s*2\s*1\.5 GB\s*3 GB/);
    await shot('admin-flavors');
    await ui.rowAction('Flavors', 'm1.dash', 'Delete Flavor');
    await dialog('Confirm Delete Flavor').getByRole('button', { name: 'Delete Flavor' }).click();
    await expect.poll(() => flavor.count()).toBe(0);
  });
});
