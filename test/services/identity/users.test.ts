import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestCloud, testCloud } from '../../helpers.js';
import { caller, passwordAuth, V3 } from './api.js';

describe('identity: users and groups', () => {
  let t: TestCloud;
  let demoProject: string;
  beforeAll(async () => {
    t = await testCloud();
    demoProject = (await t.call({ method: 'GET', url: `${V3}/projects?name=demo`, as: 'admin' })).json().projects[0].id;
  });
  afterAll(() => t.close());
  const admin = caller(() => t);
  const issue = (userId: string, password: string, projectId?: string) =>
    t.call({ method: 'POST', url: `${V3}/auth/tokens`, payload: passwordAuth(userId, password, projectId) });

  async function memberOfDemo(name: string, password = 'pw1') {
    const u = (await admin('POST', '/users', { user: { name, password, email: `${name}@example.org` } })).json().user;
    const member = (await admin('GET', '/roles?name=member')).json().roles[0];
    await admin('PUT', `/projects/${demoProject}/users/${u.id}/roles/${member.id}`);
    return u;
  }

  it('creates a user with extra attributes and shows it without the password', async () => {
    const res = await admin('POST', '/users', {
      user: {
        name: 'alice',
        password: 'pw',
        email: 'a@example.org',
        description: 'Alice',
        default_project_id: demoProject,
      },
    });
    expect(res.statusCode).toBe(201);
    const u = res.json().user;
    expect(u).toMatchObject({
      name: 'alice',
      domain_id: 'default',
      enabled: true,
      email: 'a@example.org',
      description: 'Alice',
      default_project_id: demoProject,
      password_expires_at: null,
      options: {},
    });
    expect(JSON.stringify(u)).not.toMatch(/"password"/);
    expect((await admin('GET', '/users?name=alice')).json().users[0].email).toBe('a@example.org');
    expect((await admin('POST', '/users', { user: { name: 'alice' } })).statusCode).toBe(409);
  });

  it('refuses bad user input', async () => {
    expect((await admin('POST', '/users', { user: {} })).json().error.message).toBe("'name' is a required property");
    expect((await admin('POST', '/users', { user: { name: 'x', enabled: 1 } })).statusCode).toBe(400);
    expect((await admin('POST', '/users', { user: { name: 'x', domain_id: 'nope' } })).statusCode).toBe(404);
    expect((await admin('PATCH', '/users/nope', { user: { name: 'y' } })).statusCode).toBe(404);
    expect((await admin('GET', '/users?name=x')).json().users).toEqual([]);
  });

  it('changes a password: old one refused, tokens revoked', async () => {
    const u = await memberOfDemo('bob');
    const first = await issue(u.id, 'pw1', demoProject);
    expect(first.statusCode).toBe(201);
    const token = first.headers['x-subject-token'] as string;
    const wrong = await t.call({
      method: 'POST',
      url: `${V3}/users/${u.id}/password`,
      payload: { user: { original_password: 'nope', password: 'pw2' } },
    });
    expect(wrong.statusCode).toBe(401);
    const malformed = await t.call({
      method: 'POST',
      url: `${V3}/users/${u.id}/password`,
      payload: { user: { password: 'pw2' } },
    });
    expect(malformed.json().error.message).toBe("'original_password' is a required property");
    const ok = await t.call({
      method: 'POST',
      url: `${V3}/users/${u.id}/password`,
      payload: { user: { original_password: 'pw1', password: 'pw2' } },
    });
    expect(ok.statusCode).toBe(204);
    expect((await t.call({ method: 'GET', url: `${V3}/auth/catalog`, token })).statusCode).toBe(401);
    expect((await issue(u.id, 'pw1', demoProject)).statusCode).toBe(401);
    expect((await issue(u.id, 'pw2', demoProject)).statusCode).toBe(201);
  });

  it('disabling a user revokes their tokens and refuses new ones', async () => {
    const u = await memberOfDemo('carol');
    const token = (await issue(u.id, 'pw1', demoProject)).headers['x-subject-token'] as string;
    expect((await t.call({ method: 'GET', url: `${V3}/auth/catalog`, token })).statusCode).toBe(200);
    expect((await admin('PATCH', `/users/${u.id}`, { user: { enabled: false } })).json().user.enabled).toBe(false);
    expect((await t.call({ method: 'GET', url: `${V3}/auth/catalog`, token })).statusCode).toBe(401);
    expect((await issue(u.id, 'pw1', demoProject)).statusCode).toBe(401);
    await admin('PATCH', `/users/${u.id}`, { user: { enabled: true } });
    // re-enabling does not bring the revoked token back
    expect((await t.call({ method: 'GET', url: `${V3}/auth/catalog`, token })).statusCode).toBe(401);
  });

  it('lets a user see themselves and their projects, not others', async () => {
    const u = await memberOfDemo('dave');
    const token = (await issue(u.id, 'pw1', demoProject)).headers['x-subject-token'] as string;
    expect((await t.call({ method: 'GET', url: `${V3}/users/${u.id}`, token })).statusCode).toBe(200);
    const projects = await t.call({ method: 'GET', url: `${V3}/users/${u.id}/projects`, token });
    expect(projects.json().projects.map((p: any) => p.name)).toEqual(['demo']);
    const adminUser = (await admin('GET', '/users?name=admin')).json().users[0];
    expect((await t.call({ method: 'GET', url: `${V3}/users/${adminUser.id}`, token })).statusCode).toBe(403);
    expect((await t.call({ method: 'GET', url: `${V3}/users`, token })).statusCode).toBe(403);
    expect((await t.call({ method: 'DELETE', url: `${V3}/users/${adminUser.id}`, token })).statusCode).toBe(403);
  });

  it('manages groups and membership; group roles reach the members', async () => {
    const g = (await admin('POST', '/groups', { group: { name: 'devs', description: 'developers' } })).json().group;
    expect(g).toMatchObject({ name: 'devs', description: 'developers', domain_id: 'default' });
    const u = (await admin('POST', '/users', { user: { name: 'erin', password: 'pw' } })).json().user;
    expect((await issue(u.id, 'pw', demoProject)).statusCode).toBe(401);
    expect((await admin('PUT', `/groups/${g.id}/users/${u.id}`)).statusCode).toBe(204);
    expect((await admin('GET', `/groups/${g.id}/users/${u.id}`)).statusCode).toBe(204);
    expect((await admin('GET', `/groups/${g.id}/users`)).json().users.map((x: any) => x.name)).toEqual(['erin']);
    expect((await admin('GET', `/users/${u.id}/groups`)).json().groups.map((x: any) => x.name)).toEqual(['devs']);
    const reader = (await admin('GET', '/roles?name=reader')).json().roles[0];
    expect((await admin('PUT', `/projects/${demoProject}/groups/${g.id}/roles/${reader.id}`)).statusCode).toBe(204);
    const tok = await issue(u.id, 'pw', demoProject);
    expect(tok.statusCode).toBe(201);
    expect(tok.json().token.roles.map((r: any) => r.name)).toEqual(['reader']);
    expect((await admin('DELETE', `/groups/${g.id}/users/${u.id}`)).statusCode).toBe(204);
    expect((await admin('GET', `/groups/${g.id}/users/${u.id}`)).statusCode).toBe(404);
    expect((await admin('PUT', `/groups/${g.id}/users/nope`)).statusCode).toBe(404);
    expect((await admin('POST', '/groups', { group: { name: 'devs' } })).statusCode).toBe(409);
    expect((await admin('POST', '/groups', { group: { name: '' } })).statusCode).toBe(400);
    expect((await t.call({ method: 'GET', url: `${V3}/groups`, as: 'demo' })).statusCode).toBe(403);
    expect((await admin('DELETE', `/groups/${g.id}`)).statusCode).toBe(204);
    expect((await admin('GET', `/groups/${g.id}`)).statusCode).toBe(404);
  });

  it('deleting a user removes their assignments and memberships', async () => {
    const u = await memberOfDemo('frank');
    expect((await admin('DELETE', `/users/${u.id}`)).statusCode).toBe(204);
    const left = await admin('GET', `/role_assignments?user.id=${u.id}`);
    expect(left.json().role_assignments).toEqual([]);
    expect((await admin('DELETE', `/users/${u.id}`)).statusCode).toBe(404);
  });
});
