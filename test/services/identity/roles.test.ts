import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestCloud, testCloud } from '../../helpers.js';
import { authenticate, caller, passwordAuth, seeded, V3 } from './api.js';

describe('identity: roles, implied roles, grants and role assignments', () => {
  let t: TestCloud;
  let ids: Record<string, string>;
  beforeAll(async () => {
    t = await testCloud();
    ids = await seeded(t);
  });
  afterAll(() => t.close());
  const admin = caller(() => t);

  it('manages global and domain-specific roles', async () => {
    const r = (await admin('POST', '/roles', { role: { name: 'observer', description: 'looks' } })).json().role;
    expect(r).toMatchObject({ name: 'observer', description: 'looks', domain_id: null, options: {} });
    expect((await admin('POST', '/roles', { role: { name: 'observer' } })).statusCode).toBe(409);
    expect((await admin('PATCH', `/roles/${r.id}`, { role: { name: 'watcher' } })).json().role.name).toBe('watcher');
    const d = (await admin('POST', '/roles', { role: { name: 'observer', domain_id: 'default' } })).json().role;
    expect(d.domain_id).toBe('default');
    expect((await admin('GET', '/roles?domain_id=default')).json().roles.map((x: any) => x.id)).toEqual([d.id]);
    expect((await admin('GET', '/roles')).json().roles.map((x: any) => x.id)).not.toContain(d.id);
    expect((await admin('PATCH', `/roles/${d.id}`, { role: { domain_id: null } })).statusCode).toBe(400);
    expect((await admin('POST', '/roles', { role: { name: 'x', domain_id: 'nope' } })).statusCode).toBe(404);
    expect((await admin('POST', '/roles', { role: { description: 'no name' } })).statusCode).toBe(400);
    expect((await admin('GET', '/roles/nope')).json().error.message).toBe('Could not find role: nope.');
    expect(
      (await t.call({ method: 'POST', url: `${V3}/roles`, as: 'demo', payload: { role: { name: 'x' } } })).statusCode,
    ).toBe(403);
    expect((await admin('DELETE', `/roles/${r.id}`)).statusCode).toBe(204);
    expect((await admin('DELETE', `/roles/${d.id}`)).statusCode).toBe(204);
  });

  it('manages implied roles and lists the inference rules', async () => {
    const a = (await admin('POST', '/roles', { role: { name: 'a' } })).json().role;
    const b = (await admin('POST', '/roles', { role: { name: 'b' } })).json().role;
    const put = await admin('PUT', `/roles/${a.id}/implies/${b.id}`);
    expect(put.statusCode).toBe(201);
    expect(put.json().role_inference.prior_role.id).toBe(a.id);
    expect(put.json().role_inference.implies.name).toBe('b');
    expect((await admin('HEAD', `/roles/${a.id}/implies/${b.id}`)).statusCode).toBe(204);
    expect((await admin('GET', `/roles/${a.id}/implies`)).json().role_inference.implies.map((r: any) => r.id)).toEqual([
      b.id,
    ]);
    const all = (await admin('GET', '/role_inferences')).json().role_inferences;
    expect(all.find((i: any) => i.prior_role.id === ids.admin).implies.map((r: any) => r.name)).toEqual(['member']);
    // admin may not be implied; a global role may not imply a domain one
    expect((await admin('PUT', `/roles/${a.id}/implies/${ids.admin}`)).statusCode).toBe(403);
    const dr = (await admin('POST', '/roles', { role: { name: 'dr', domain_id: 'default' } })).json().role;
    expect((await admin('PUT', `/roles/${a.id}/implies/${dr.id}`)).statusCode).toBe(403);
    expect((await admin('PUT', `/roles/${a.id}/implies/nope`)).statusCode).toBe(404);
    expect((await admin('DELETE', `/roles/${a.id}/implies/${b.id}`)).statusCode).toBe(204);
    expect((await admin('GET', `/roles/${a.id}/implies/${b.id}`)).statusCode).toBe(404);
    expect((await t.call({ method: 'GET', url: `${V3}/role_inferences`, as: 'demo' })).statusCode).toBe(403);
  });

  it('grants, checks, lists and revokes roles on projects, domains and the system', async () => {
    const u = (await admin('POST', '/users', { user: { name: 'grantee', password: 'pw' } })).json().user;
    const base = `/projects/${ids.demo}/users/${u.id}/roles`;
    expect((await admin('GET', `${base}/${ids.reader}`)).statusCode).toBe(404);
    expect((await admin('PUT', `${base}/${ids.reader}`)).statusCode).toBe(204);
    expect((await admin('GET', `${base}/${ids.reader}`)).statusCode).toBe(204);
    expect((await admin('GET', base)).json().roles.map((r: any) => r.name)).toEqual(['reader']);
    expect((await admin('PUT', `/domains/default/users/${u.id}/roles/${ids.member}`)).statusCode).toBe(204);
    expect((await admin('GET', `/domains/default/users/${u.id}/roles`)).json().roles.map((r: any) => r.name)).toEqual([
      'member',
    ]);
    expect((await admin('PUT', `/system/users/${u.id}/roles/${ids.reader}`)).statusCode).toBe(204);
    expect((await admin('GET', `/system/users/${u.id}/roles`)).json().roles.map((r: any) => r.name)).toEqual([
      'reader',
    ]);
    expect((await admin('PUT', `${base}/nope`)).statusCode).toBe(404);
    expect((await admin('PUT', `/projects/nope/users/${u.id}/roles/${ids.reader}`)).statusCode).toBe(404);
    const byDemo = await t.call({ method: 'PUT', url: `${V3}${base}/${ids.admin}`, as: 'demo' });
    expect(byDemo.statusCode).toBe(403);
    expect((await admin('DELETE', `${base}/${ids.reader}`)).statusCode).toBe(204);
    const gone = await admin('DELETE', `${base}/${ids.reader}`);
    expect(gone.statusCode).toBe(404);
    expect(gone.json().error.message).toMatch(/^Could not find role assignment with role: /);
  });

  it('inherited grants reach the projects below (OS-INHERIT)', async () => {
    const d = (await admin('POST', '/domains', { domain: { name: 'inh' } })).json().domain;
    const p = (await admin('POST', '/projects', { project: { name: 'inh-p', domain_id: d.id } })).json().project;
    const u = (await admin('POST', '/users', { user: { name: 'heir', password: 'pw', domain_id: d.id } })).json().user;
    const url = `/OS-INHERIT/domains/${d.id}/users/${u.id}/roles/${ids.member}/inherited_to_projects`;
    expect((await admin('PUT', url)).statusCode).toBe(204);
    expect((await admin('GET', url)).statusCode).toBe(204);
    const tok = await authenticate(t, passwordAuth(u.id, 'pw', p.id));
    expect(tok.statusCode).toBe(201);
    expect(
      tok
        .json()
        .token.roles.map((r: any) => r.name)
        .sort(),
    ).toEqual(['member', 'reader']);
    // the domain itself is not scoped by an inherited grant
    const direct = (await admin('GET', `/role_assignments?user.id=${u.id}`)).json().role_assignments;
    expect(direct).toHaveLength(1);
    expect(direct[0].scope['OS-INHERIT:inherited_to']).toBe('projects');
    expect(direct[0].links.assignment).toMatch(/\/OS-INHERIT\/domains\/.*\/inherited_to_projects$/);
    const effective = (await admin('GET', `/role_assignments?effective&user.id=${u.id}`)).json().role_assignments;
    expect(effective.map((a: any) => [a.scope.project.id, a.role.id])).toEqual([
      [p.id, ids.member],
      [p.id, ids.reader],
    ]);
  });

  it('lists role assignments with filters, effective mode and names', async () => {
    const list = await admin(
      'GET',
      `/role_assignments?scope.project.id=${ids.demo}&user.id=${ids.demoUser}&include_names`,
    );
    const a = list.json().role_assignments;
    expect(a).toHaveLength(1);
    expect(a[0]).toMatchObject({
      user: { id: ids.demoUser, name: 'demo', domain: { id: 'default', name: 'Default' } },
      role: { id: ids.member, name: 'member' },
      scope: { project: { id: ids.demo, name: 'demo', domain: { id: 'default', name: 'Default' } } },
    });
    const eff = await admin('GET', `/role_assignments?effective&scope.project.id=${ids.demo}&user.id=${ids.demoUser}`);
    expect(eff.json().role_assignments.map((x: any) => x.role.id)).toEqual([ids.member, ids.reader]);
    expect(eff.json().role_assignments[1].links.prior_role).toBeDefined();
    const bad = await admin('GET', '/role_assignments?effective&group.id=x');
    expect(bad.statusCode).toBe(400);
    expect((await admin('GET', '/role_assignments?user.id=a&group.id=b')).statusCode).toBe(400);
    expect((await admin('GET', '/role_assignments?scope.domain.id=a&scope.project.id=b')).statusCode).toBe(400);
    const system = (await admin('GET', '/role_assignments?scope.system=all')).json().role_assignments;
    expect(system.every((x: any) => x.scope.system?.all === true)).toBe(true);
    expect((await t.call({ method: 'GET', url: `${V3}/role_assignments`, as: 'demo' })).statusCode).toBe(403);
  });

  it('domain-specific roles are not effective themselves, only what they imply', async () => {
    const d = (await admin('POST', '/roles', { role: { name: 'alias', domain_id: 'default' } })).json().role;
    await admin('PUT', `/roles/${d.id}/implies/${ids.reader}`);
    const u = (await admin('POST', '/users', { user: { name: 'aliased', password: 'pw' } })).json().user;
    await admin('PUT', `/projects/${ids.demo}/users/${u.id}/roles/${d.id}`);
    const eff = (await admin('GET', `/role_assignments?effective&user.id=${u.id}`)).json().role_assignments;
    expect(eff.map((a: any) => a.role.id)).toEqual([ids.reader]);
    const tok = await authenticate(t, passwordAuth(u.id, 'pw', ids.demo));
    expect(tok.json().token.roles.map((r: any) => r.name)).toEqual(['reader']);
  });
});
