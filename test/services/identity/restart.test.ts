import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { type Cloud, createCloud } from '../../../src/cloud.js';
import { makeConfig } from '../../../src/config.js';
import { passwordAuthByName } from '../../helpers.js';
import { passwordAuth, V3 } from './api.js';

describe('identity: state survives a restart', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pocketstack-restart-'));
  const config = makeConfig({
    dataDir: dir,
    database: join(dir, 'pocketstack.db'),
    passwordHashCost: 8,
    logLevel: 'silent',
    drivers: { compute: 'fake', network: 'fake', volume: 'fake' },
  });
  const open = () => createCloud(config, { logger: pino({ level: 'silent' }) });
  const call = (cloud: Cloud, method: 'GET' | 'POST' | 'PUT', url: string, token?: string, payload?: object) =>
    cloud.app.inject({ method, url: V3 + url, payload, headers: token ? { 'x-auth-token': token } : {} });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps users, projects, grants and tokens; seeds only once', async () => {
    let cloud = await open();
    const admin = (
      await cloud.app.inject({
        method: 'POST',
        url: `${V3}/auth/tokens`,
        payload: passwordAuthByName('admin'),
      })
    ).headers['x-subject-token'] as string;
    const p = (await call(cloud, 'POST', '/projects', admin, { project: { name: 'kept' } })).json().project;
    const u = (await call(cloud, 'POST', '/users', admin, { user: { name: 'keeper', password: 'pw' } })).json().user;
    const member = (await call(cloud, 'GET', '/roles?name=member', admin)).json().roles[0];
    await call(cloud, 'PUT', `/projects/${p.id}/users/${u.id}/roles/${member.id}`, admin);
    const userToken = (
      await cloud.app.inject({ method: 'POST', url: `${V3}/auth/tokens`, payload: passwordAuth(u.id, 'pw', p.id) })
    ).headers['x-subject-token'] as string;
    await cloud.db
      .insertInto('tokens')
      .values({
        hash: 'expired',
        user_id: u.id,
        system: 0,
        methods: '[]',
        audit_ids: '[]',
        issued_at: '2000-01-01T00:00:00.000Z',
        expires_at: '2000-01-01T01:00:00.000Z',
        revoked: 0,
      })
      .execute();
    await cloud.close();

    cloud = await open();
    // expired tokens are dropped at start
    expect(
      await cloud.db.selectFrom('tokens').select('hash').where('hash', '=', 'expired').executeTakeFirst(),
    ).toBeUndefined();
    try {
      // a token issued before the restart still works after it
      expect((await call(cloud, 'GET', `/projects/${p.id}`, userToken)).json().project.name).toBe('kept');
      const again = await cloud.app.inject({
        method: 'POST',
        url: `${V3}/auth/tokens`,
        payload: passwordAuth(u.id, 'pw', p.id),
      });
      expect(again.statusCode).toBe(201);
      expect(
        again
          .json()
          .token.roles.map((r: any) => r.name)
          .sort(),
      ).toEqual(['member', 'reader']);
      // the seeding did not run twice
      const names = (await call(cloud, 'GET', '/projects', admin)).json().projects.map((x: any) => x.name);
      expect(names.filter((n: string) => n === 'admin')).toHaveLength(1);
      expect(names).toContain('kept');
      // the catalog is still there, one identity service
      const services = (await call(cloud, 'GET', '/services?type=identity', admin)).json().services;
      expect(services).toHaveLength(1);
    } finally {
      await cloud.close();
    }
  });
});
