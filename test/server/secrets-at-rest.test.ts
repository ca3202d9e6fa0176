import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCloud } from '../../src/cloud.js';
import { KEY_FILE } from '../../src/server/sealed.js';
import { dropTestDatabase, type TestCloud, testCloud } from '../helpers.js';

// Secrets a client gets back are kept sealed in the store (issue 16): an EC2
// credential's secret (any credential blob, as Keystone encrypts them) and
// never the adminPass a server create answers with (Nova does not keep it).
// The test reads every byte of the data dir, database and WAL included.

describe('secrets at rest', () => {
  let t: TestCloud;
  beforeAll(async () => {
    t = await testCloud();
  });
  afterAll(async () => t?.close());

  const dataDirHolds = async (needle: string) => {
    const files = readdirSync(t.cloud.config.dataDir, { recursive: true, withFileTypes: true }).filter((e) =>
      e.isFile(),
    );
    if (files.some((e) => readFileSync(join(e.parentPath, e.name)).includes(needle))) return true;
    return t.cloud.dialect === 'postgres' && (await postgresHolds(needle));
  };

  // On PostgreSQL the database is not in the data dir: every row of every table, as text
  const postgresHolds = async (needle: string) => {
    const tables = await sql<{ name: string }>`
      select table_name as name from information_schema.tables
      where table_schema = current_schema() and table_type = 'BASE TABLE'`.execute(t.cloud.db);
    for (const { name } of tables.rows) {
      const hit = await sql`select 1 from ${sql.table(name)} as t where t::text like ${`%${needle}%`} limit 1`.execute(
        t.cloud.db,
      );
      if (hit.rows.length) return true;
    }
    return false;
  };

  it("an EC2 credential's secret and a credential's blob are not in the data dir in the clear", async () => {
    const me = (await t.call({ as: 'admin', method: 'GET', url: '/identity/v3/users?name=demo' })).json().users[0].id;
    const project = (await t.call({ as: 'admin', method: 'GET', url: '/identity/v3/projects?name=demo' })).json()
      .projects[0].id;
    const made = await t.call({
      as: 'demo',
      method: 'POST',
      url: `/identity/v3/users/${me}/credentials/OS-EC2`,
      payload: { tenant_id: project },
    });
    expect(made.statusCode).toBe(201);
    const { access, secret } = made.json().credential;
    const blob = JSON.stringify({ access: 'a-key', secret: 'the-blob-secret-d41d8cd98f00b204' });
    const other = await t.call({
      as: 'demo',
      method: 'POST',
      url: '/identity/v3/credentials',
      payload: { credential: { type: 'ec2', user_id: me, project_id: project, blob } },
    });
    expect(other.statusCode).toBe(201);
    const totp = await t.call({
      as: 'demo',
      method: 'POST',
      url: '/identity/v3/credentials',
      payload: { credential: { type: 'totp', user_id: me, blob: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP' } },
    });
    expect(totp.statusCode).toBe(201);
    // given back as they were
    const shown = await t.call({
      as: 'demo',
      method: 'GET',
      url: `/identity/v3/users/${me}/credentials/OS-EC2/${access}`,
    });
    expect(shown.json().credential.secret).toBe(secret);
    const listed = await t.call({ as: 'demo', method: 'GET', url: '/identity/v3/credentials' });
    expect(listed.json().credentials.map((c: { blob: string }) => c.blob)).toEqual(
      expect.arrayContaining([blob, 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP']),
    );
    // the search finds what is kept in the clear (a user's name)
    expect(await dataDirHolds('alt_demo')).toBe(true);
    expect(await dataDirHolds(secret)).toBe(false);
    expect(await dataDirHolds('the-blob-secret-d41d8cd98f00b204')).toBe(false);
    expect(await dataDirHolds('JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP')).toBe(false);
    expect(statSync(join(t.cloud.config.dataDir, KEY_FILE)).mode & 0o777).toBe(0o600);
  });

  it('the adminPass of a new server is answered once and kept nowhere', async () => {
    const image = (await t.call({ as: 'demo', method: 'GET', url: '/image/v2/images' })).json().images[0].id;
    const flavor = (await t.call({ as: 'demo', method: 'GET', url: '/compute/v2.1/flavors' })).json().flavors[0].id;
    const r = await t.call({
      as: 'demo',
      method: 'POST',
      url: '/compute/v2.1/servers',
      payload: { server: { name: 'vm', imageRef: image, flavorRef: flavor, networks: 'none' } },
      headers: { 'x-openstack-nova-api-version': '2.37' },
    });
    expect(r.statusCode, r.body).toBe(202);
    const given = await t.call({
      as: 'demo',
      method: 'POST',
      url: '/compute/v2.1/servers',
      payload: {
        server: { name: 'vm2', imageRef: image, flavorRef: flavor, networks: 'none', adminPass: 'my-Chosen-pass-8e1f' },
      },
      headers: { 'x-openstack-nova-api-version': '2.37' },
    });
    expect(given.statusCode, given.body).toBe(202);
    await t.cloud.tasks.idle();
    expect(await dataDirHolds(r.json().server.adminPass)).toBe(false);
    expect(await dataDirHolds('my-Chosen-pass-8e1f')).toBe(false);
  });
});

describe('credentials stored in the clear by an older version', () => {
  it('are sealed at the next start and still given back', async () => {
    const t = await testCloud();
    const dir = t.cloud.config.dataDir;
    const me = (await t.call({ as: 'admin', method: 'GET', url: '/identity/v3/users?name=admin' })).json().users[0].id;
    await (t.cloud.db as any)
      .insertInto('credentials')
      .values({ id: 'c0ffee', user_id: me, project_id: null, type: 'cert', blob: 'old-plain-secret-77aa', extra: '{}' })
      .execute();
    await t.cloud.close();
    const again = await createCloud(t.cloud.config, { logger: pino({ level: 'silent' }) });
    try {
      const row = await (again.db as any)
        .selectFrom('credentials')
        .selectAll()
        .where('id', '=', 'c0ffee')
        .executeTakeFirst();
      expect(row.blob).not.toContain('old-plain-secret-77aa');
      const { unseal } = await import('../../src/server/sealed.js');
      expect(unseal(again, row.blob)).toBe('old-plain-secret-77aa');
    } finally {
      await again.close();
      await dropTestDatabase(dir);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
