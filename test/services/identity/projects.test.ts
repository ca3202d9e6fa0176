import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestCloud, testCloud } from '../../helpers.js';
import { caller, V3 } from './api.js';

describe('identity: domains and projects', () => {
  let t: TestCloud;
  beforeAll(async () => {
    t = await testCloud();
  });
  afterAll(() => t.close());
  const admin = caller(() => t);

  it('creates, lists, updates and deletes a domain (only once disabled)', async () => {
    const res = await admin('POST', '/domains', { domain: { name: 'd1', description: 'first' } });
    expect(res.statusCode).toBe(201);
    const d = res.json().domain;
    expect(d).toMatchObject({ name: 'd1', description: 'first', enabled: true, tags: [] });
    expect(d.links.self).toMatch(new RegExp(`/identity/v3/domains/${d.id}$`));
    expect((await admin('GET', '/domains?name=d1')).json().domains.map((x: any) => x.id)).toEqual([d.id]);
    expect((await admin('POST', '/domains', { domain: { name: 'd1' } })).statusCode).toBe(409);
    const del = await admin('DELETE', `/domains/${d.id}`);
    expect(del.statusCode).toBe(403);
    expect(del.json().error.message).toBe('Cannot delete a domain that is enabled, please disable it first.');
    expect((await admin('PATCH', `/domains/${d.id}`, { domain: { enabled: false } })).json().domain.enabled).toBe(
      false,
    );
    expect((await admin('DELETE', `/domains/${d.id}`)).statusCode).toBe(204);
    expect((await admin('GET', `/domains/${d.id}`)).statusCode).toBe(404);
  });

  it('deleting a domain takes its projects, users and groups with it', async () => {
    const d = (await admin('POST', '/domains', { domain: { name: 'doomed' } })).json().domain;
    const p = (await admin('POST', '/projects', { project: { name: 'p', domain_id: d.id } })).json().project;
    const u = (await admin('POST', '/users', { user: { name: 'u', domain_id: d.id } })).json().user;
    const g = (await admin('POST', '/groups', { group: { name: 'g', domain_id: d.id } })).json().group;
    await admin('PATCH', `/domains/${d.id}`, { domain: { enabled: false } });
    expect((await admin('DELETE', `/domains/${d.id}`)).statusCode).toBe(204);
    expect((await admin('GET', `/projects/${p.id}`)).statusCode).toBe(404);
    expect((await admin('GET', `/users/${u.id}`)).statusCode).toBe(404);
    expect((await admin('GET', `/groups/${g.id}`)).statusCode).toBe(404);
  });

  it("answers domain errors in Keystone's format", async () => {
    const missing = await admin('POST', '/domains', { domain: {} });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error).toEqual({ code: 400, title: 'Bad Request', message: "'name' is a required property" });
    const wrong = await admin('POST', '/domains', { domain: { name: 'x', enabled: 'yes' } });
    expect(wrong.json().error.message).toBe("Invalid input for field 'enabled': 'yes' is not of type 'boolean'");
    expect((await admin('GET', '/domains/nope')).json().error.message).toBe('Could not find domain: nope.');
    const member = await t.call({ method: 'GET', url: `${V3}/domains`, as: 'demo' });
    expect(member.statusCode).toBe(403);
    expect(member.json().error.message).toBe(
      'You are not authorized to perform the requested action: identity:list_domains.',
    );
    // a member may read the domain of their own project, not another
    expect((await t.call({ method: 'GET', url: `${V3}/domains/default`, as: 'demo' })).statusCode).toBe(200);
  });

  it('makes project trees: parent_id, enabled rules and cascade', async () => {
    const root = (await admin('POST', '/projects', { project: { name: 'root' } })).json().project;
    expect(root).toMatchObject({ parent_id: 'default', domain_id: 'default', is_domain: false, enabled: true });
    const child = (await admin('POST', '/projects', { project: { name: 'child', parent_id: root.id } })).json().project;
    expect(child.parent_id).toBe(root.id);
    const leafDelete = await admin('DELETE', `/projects/${root.id}`);
    expect(leafDelete.statusCode).toBe(403);
    expect(leafDelete.json().error.message).toMatch(/not a leaf in the hierarchy/);
    expect((await admin('PATCH', `/projects/${root.id}`, { project: { enabled: false } })).statusCode).toBe(403);
    expect((await admin('PATCH', `/projects/${root.id}?cascade`, { project: { enabled: false } })).statusCode).toBe(
      200,
    );
    expect((await admin('GET', `/projects/${child.id}`)).json().project.enabled).toBe(false);
    const tree = (await admin('GET', `/projects/${root.id}?subtree_as_ids&parents_as_ids`)).json().project;
    expect(tree.subtree).toEqual({ [child.id]: null });
    expect(tree.parents).toEqual({ default: null });
    expect((await admin('PATCH', `/projects/${child.id}`, { project: { parent_id: 'default' } })).statusCode).toBe(403);
    expect((await admin('DELETE', `/projects/${root.id}?cascade`)).statusCode).toBe(204);
    expect((await admin('GET', `/projects/${child.id}`)).statusCode).toBe(404);
  });

  it('refuses bad project input and duplicates, leaving nothing behind', async () => {
    const bad = await admin('POST', '/projects', { project: { name: 'x', domain_id: 'nope' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toBe('Could not find domain: nope.');
    expect((await admin('POST', '/projects', { project: { name: 5 } })).json().error.message).toBe(
      "Invalid input for field 'name': 5 is not of type 'string'",
    );
    expect((await admin('POST', '/projects', { project: { name: 'demo' } })).statusCode).toBe(409);
    expect((await admin('GET', '/projects?name=x')).json().projects).toEqual([]);
    const malformed = await t.call({
      method: 'POST',
      url: `${V3}/projects`,
      as: 'admin',
      headers: { 'content-type': 'application/json' },
      payload: '{"project": ',
    });
    expect(malformed.statusCode).toBe(400);
  });

  it('keeps a member to their own project', async () => {
    const projects = (await admin('GET', '/projects')).json().projects;
    const altDemo = projects.find((p: any) => p.name === 'alt_demo');
    const demo = projects.find((p: any) => p.name === 'demo');
    expect((await t.call({ method: 'GET', url: `${V3}/projects/${demo.id}`, as: 'demo' })).statusCode).toBe(200);
    expect((await t.call({ method: 'GET', url: `${V3}/projects/${altDemo.id}`, as: 'demo' })).statusCode).toBe(403);
    // 403 before 404: a member cannot probe which ids exist
    expect((await t.call({ method: 'GET', url: `${V3}/projects/nope`, as: 'demo' })).statusCode).toBe(403);
    const upd = await t.call({
      method: 'PATCH',
      url: `${V3}/projects/${demo.id}`,
      as: 'demo',
      payload: { project: { name: 'z' } },
    });
    expect(upd.statusCode).toBe(403);
  });

  it('filters projects by name (also inexactly), domain, enabled and tags', async () => {
    await admin('POST', '/projects', { project: { name: 'tagged-a', tags: ['red', 'blue'] } });
    await admin('POST', '/projects', { project: { name: 'tagged-b', tags: ['red'], enabled: false } });
    const names = async (q: string) => (await admin('GET', `/projects?${q}`)).json().projects.map((p: any) => p.name);
    expect(await names('name__startswith=tagged')).toEqual(['tagged-a', 'tagged-b']);
    expect(await names('tags=red,blue')).toEqual(['tagged-a']);
    expect(await names('tags-any=blue,green')).toEqual(['tagged-a']);
    expect(await names('not-tags=blue&name__contains=tagged')).toEqual(['tagged-b']);
    expect(await names('enabled=false&name__contains=tagged')).toEqual(['tagged-b']);
    expect(await names('is_domain=true')).toEqual(['Default']);
  });

  it('serves the tags API of a project', async () => {
    const p = (await admin('POST', '/projects', { project: { name: 'tags' } })).json().project;
    const put = await admin('PUT', `/projects/${p.id}/tags/one`);
    expect(put.statusCode).toBe(201);
    expect((await admin('GET', `/projects/${p.id}/tags/one`)).statusCode).toBe(204);
    expect((await admin('GET', `/projects/${p.id}/tags/two`)).statusCode).toBe(404);
    expect((await admin('PUT', `/projects/${p.id}/tags/one`)).statusCode).toBe(400);
    expect((await admin('PUT', `/projects/${p.id}/tags`, { tags: ['a', 'b'] })).json().tags).toEqual(['a', 'b']);
    expect((await admin('PUT', `/projects/${p.id}/tags`, { tags: ['a/b'] })).statusCode).toBe(400);
    expect((await admin('GET', `/projects/${p.id}/tags`)).json().tags).toEqual(['a', 'b']);
    expect((await admin('DELETE', `/projects/${p.id}/tags/a`)).statusCode).toBe(204);
    expect((await admin('DELETE', `/projects/${p.id}/tags`)).statusCode).toBe(204);
    expect((await admin('GET', `/projects/${p.id}`)).json().project.tags).toEqual([]);
    expect((await t.call({ method: 'PUT', url: `${V3}/projects/${p.id}/tags/x`, as: 'demo' })).statusCode).toBe(403);
  });

  it('creates and removes a project acting as a domain', async () => {
    const res = await admin('POST', '/projects', { project: { name: 'as-domain', is_domain: true } });
    expect(res.statusCode).toBe(201);
    const p = res.json().project;
    expect(p).toMatchObject({ is_domain: true, parent_id: null, domain_id: null });
    expect((await admin('GET', `/domains/${p.id}`)).json().domain.name).toBe('as-domain');
    expect((await admin('DELETE', `/projects/${p.id}`)).statusCode).toBe(400);
    await admin('PATCH', `/projects/${p.id}`, { project: { enabled: false } });
    expect((await admin('DELETE', `/projects/${p.id}`)).statusCode).toBe(204);
  });
});
