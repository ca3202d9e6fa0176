import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { page, parseBatch } from '../../examples/two-tier/app/server.js';
// @ts-expect-error: a plain ESM script without types
import { compiledApp, webserverYaml } from '../../examples/two-tier/build.mjs';
import { type TestCloud, testCloud } from '../helpers.js';
import { heatBase, uploadImage } from '../services/orchestration/helpers.js';

const dir = join(__dirname, '../../examples/two-tier');
const read = (f: string) => readFileSync(join(dir, f), 'utf8');

describe('examples/two-tier: the guide application', () => {
  it('provision-webserver.yaml carries the application as app/server.ts compiles today', async () => {
    expect(read('provision-webserver.yaml')).toBe(webserverYaml(await compiledApp()));
  });

  it('both cloud-init files are cloud-config that installs nothing at boot', () => {
    for (const f of ['provision-db.yaml', 'provision-webserver.yaml']) {
      const text = read(f);
      expect(text.startsWith('#cloud-config\n')).toBe(true);
      const doc = parse(text);
      expect(doc.packages).toBeUndefined();
      for (const w of doc.write_files) expect(typeof w.content).toBe('string');
      // the setup runs at every boot (a stop during the first boot must not leave it half done for
      // good, as a runcmd cut short would be): one executable shell script in cloud-init's per-boot dir
      expect(doc.runcmd).toBeUndefined();
      const scripts = doc.write_files.filter((w: any) => w.path.startsWith('/var/lib/cloud/scripts/per-boot/'));
      expect(scripts).toHaveLength(1);
      expect(scripts[0].permissions).toBe('0755');
      expect(scripts[0].content.startsWith('#!/bin/sh\n')).toBe(true);
    }
    const seed = parse(read('provision-db.yaml')).write_files.find((w: any) => w.path.endsWith('.sql')).content;
    expect(seed).toMatch(/'webapp'@'192\.168\.1\.%'/);
    expect(seed).not.toMatch(/'webapp'@'%'/);
    // no DNS on the private network: MariaDB must not look clients up by name (each connection would time out)
    const cnf = parse(read('provision-db.yaml')).write_files.find((w: any) => w.path.endsWith('.cnf')).content;
    expect(cnf).toMatch(/^\[mysqld\]$/m);
    expect(cnf).toMatch(/^skip-name-resolve$/m);
  });

  it('reads mariadb --batch rows and escapes what it shows', () => {
    expect(parseBatch('alice\talice@example.org\t2026-01-12\nb\\tob\tx\\ny\t2026\n')).toEqual([
      { username: 'alice', email: 'alice@example.org', created: '2026-01-12' },
      { username: 'b\tob', email: 'x\ny', created: '2026' },
    ]);
    const html = page('192.168.1.4', [{ username: '<script>', email: 'a&b', created: 'now' }]);
    expect(html).toContain('&lt;script&gt;');
    expect(html).toContain('a&amp;b');
    expect(html).toContain('1 user accounts read from the database at 192.168.1.4');
  });

  describe('served over HTTP, the database answering through the mariadb client', () => {
    let work: string;
    let child: ReturnType<typeof spawn>;
    let port: number;
    beforeAll(async () => {
      work = mkdtempSync(join(tmpdir(), 'two-tier-'));
      writeFileSync(join(work, 'server.mjs'), await compiledApp());
      // a stand-in for the mariadb client: prints two accounts, records its arguments
      writeFileSync(
        join(work, 'mariadb'),
        `#!/bin/sh\necho "$@" > "${work}/args"\nprintf 'alice\\talice@example.org\\t2026-01-12\\nbob\\tbob@example.org\\t2026-02-03\\n'\n`,
      );
      chmodSync(join(work, 'mariadb'), 0o755);
      port = await new Promise<number>((resolve) => {
        const s = createServer().listen(0, '127.0.0.1', () => {
          const p = (s.address() as { port: number }).port;
          s.close(() => resolve(p));
        });
      });
      child = spawn(process.execPath, [join(work, 'server.mjs')], {
        env: { PATH: `${work}:${process.env.PATH}`, PORT: String(port), DB_IP: '192.168.1.4' },
        stdio: 'ignore',
      });
      for (let i = 0; i < 100; i++) {
        if (
          await fetch(`http://127.0.0.1:${port}/health`).then(
            (r) => r.ok,
            () => false,
          )
        )
          break;
        await new Promise((r) => setTimeout(r, 50));
      }
    });
    afterAll(() => {
      child?.kill();
      rmSync(work, { recursive: true, force: true });
    });

    it('lists the user accounts of the database at db_ip', async () => {
      const res = await fetch(`http://127.0.0.1:${port}/`);
      expect(res.status).toBe(200);
      const body = await res.text();
      expect(body).toContain('<h1>User accounts</h1>');
      expect(body).toContain('<td>alice</td>');
      expect(body).toContain('<td>bob@example.org</td>');
      expect(readFileSync(join(work, 'args'), 'utf8')).toMatch(/--host=192\.168\.1\.4 --user=webapp .* demo -e SELECT/);
      const json = await (await fetch(`http://127.0.0.1:${port}/accounts`)).json();
      expect(json.accounts.map((a: any) => a.username)).toEqual(['alice', 'bob']);
    });
  });

  describe('the HOT template', () => {
    let t: TestCloud;
    let base: string;
    beforeAll(async () => {
      t = await testCloud();
      base = await heatBase(t);
      await uploadImage(t, 'debian-12-genericcloud-amd64');
    });
    afterAll(() => t.close());

    it('deploys the guide topology with the user data files and the URL as output', async () => {
      const files = {
        'provision-db.yaml': read('provision-db.yaml'),
        'provision-webserver.yaml': read('provision-webserver.yaml'),
      };
      const res = await t.call({
        method: 'POST',
        url: `${base}/stacks`,
        as: 'admin',
        payload: { stack_name: 'two_tier', template: read('two-tier.yaml'), files },
      });
      expect(res.statusCode, res.body).toBe(201);
      const id = res.json().stack.id;
      await t.cloud.tasks.idle();
      const stack = (await t.call({ method: 'GET', url: `${base}/stacks/two_tier/${id}`, as: 'admin' })).json().stack;
      expect(stack.stack_status, stack.stack_status_reason).toBe('CREATE_COMPLETE');
      const outputs = Object.fromEntries(stack.outputs.map((o: any) => [o.output_key, o.output_value]));
      expect(outputs.url).toMatch(/^http:\/\/172\.24\.4\.\d+:5000$/);
      expect(outputs.db_ip).toBe('192.168.1.4');
      const servers = (await t.call({ method: 'GET', url: '/compute/v2.1/servers/detail', as: 'admin' })).json()
        .servers;
      const web = servers.find((s: any) => s.name.includes('web_server'));
      expect(web.metadata).toEqual({ db_ip: '192.168.1.4' });
      expect(web.key_name).toBeNull();
    });
  });
});
