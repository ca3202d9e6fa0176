import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestCloud, testCloud } from '../../helpers.js';

const password = (name: string, pw: string, scope?: unknown) => ({
  auth: {
    identity: { methods: ['password'], password: { user: { name, domain: { id: 'default' }, password: pw } } },
    ...(scope ? { scope } : {}),
  },
});

describe('identity: tokens', () => {
  let t: TestCloud;
  beforeAll(async () => {
    t = await testCloud();
  });
  afterAll(() => t.close());

  it('discovers v3 at /identity with a 300 and a Location', async () => {
    const res = await t.call({ method: 'GET', url: '/identity' });
    expect(res.statusCode).toBe(300);
    expect(res.headers.location).toMatch(/\/identity\/v3\/$/);
    expect(res.json().versions.values[0].id).toBe('v3.14');
    const v3 = await t.call({ method: 'GET', url: '/identity/v3/' });
    expect(v3.statusCode).toBe(200);
    expect(v3.json().version.status).toBe('stable');
  });

  it('issues a project-scoped token with roles and catalog', async () => {
    const res = await t.call({
      method: 'POST',
      url: '/identity/v3/auth/tokens',
      payload: password('admin', 'secret', { project: { name: 'demo', domain: { id: 'default' } } }),
    });
    expect(res.statusCode).toBe(201);
    const tok = res.headers['x-subject-token'] as string;
    expect(tok.length).toBeGreaterThan(30);
    const body = res.json().token;
    expect(body.project.name).toBe('demo');
    expect(body.roles.map((r: { name: string }) => r.name).sort()).toEqual(['admin', 'member', 'reader']);
    expect(body.catalog.map((s: { type: string }) => s.type)).toContain('identity');
    expect(body.expires_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    // the store keeps only a hash of the token
    const row = await t.cloud.db.selectFrom('tokens').selectAll().execute();
    expect(row.some((r) => r.hash === tok)).toBe(false);
  });

  it("refuses a wrong password with Keystone's bare 401", async () => {
    const res = await t.call({ method: 'POST', url: '/identity/v3/auth/tokens', payload: password('admin', 'nope') });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({
      error: { code: 401, title: 'Unauthorized', message: 'The request you have made requires authentication.' },
    });
    expect(res.headers['www-authenticate']).toMatch(/^Keystone uri=/);
  });

  it('refuses a project the user has no role on', async () => {
    const res = await t.call({
      method: 'POST',
      url: '/identity/v3/auth/tokens',
      payload: password('demo', 'secret', { project: { name: 'alt_demo', domain: { id: 'default' } } }),
    });
    expect(res.statusCode).toBe(401);
  });

  it('answers malformed JSON with a 400 in Keystone format', async () => {
    const res = await t.call({
      method: 'POST',
      url: '/identity/v3/auth/tokens',
      headers: { 'content-type': 'application/json' },
      payload: '{not json',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toMatch(/^Expecting to find valid JSON in request body/);
  });

  it('validates, checks and revokes a token', async () => {
    const admin = await t.token('admin');
    const res = await t.call({
      method: 'POST',
      url: '/identity/v3/auth/tokens',
      payload: password('demo', 'secret', { project: { name: 'demo', domain: { id: 'default' } } }),
    });
    const subject = res.headers['x-subject-token'] as string;
    const headers = { 'x-subject-token': subject };
    const got = await t.call({ method: 'GET', url: '/identity/v3/auth/tokens?nocatalog', token: admin, headers });
    expect(got.statusCode).toBe(200);
    expect(got.json().token.catalog).toBeUndefined();
    expect(got.json().token.user.name).toBe('demo');
    expect((await t.call({ method: 'HEAD', url: '/identity/v3/auth/tokens', token: admin, headers })).statusCode).toBe(
      200,
    );
    expect(
      (await t.call({ method: 'DELETE', url: '/identity/v3/auth/tokens', token: admin, headers })).statusCode,
    ).toBe(204);
    const after = await t.call({ method: 'GET', url: '/identity/v3/auth/tokens', token: admin, headers });
    expect(after.statusCode).toBe(404);
    // a revoked token no longer authenticates anything
    const use = await t.call({ method: 'GET', url: '/identity/v3/auth/catalog', token: subject });
    expect(use.statusCode).toBe(401);
  });

  it('refuses requests without a token, and unknown tokens', async () => {
    expect((await t.call({ method: 'GET', url: '/identity/v3/projects' })).statusCode).toBe(401);
    expect((await t.call({ method: 'GET', url: '/identity/v3/projects', token: 'bogus' })).statusCode).toBe(401);
  });

  it('keeps non-admins out of the project list', async () => {
    const res = await t.call({ method: 'GET', url: '/identity/v3/projects', as: 'demo' });
    expect(res.statusCode).toBe(403);
    const admin = await t.call({ method: 'GET', url: '/identity/v3/projects', as: 'admin' });
    expect(admin.json().projects.map((p: { name: string }) => p.name)).toEqual([
      'admin',
      'alt_demo',
      'demo',
      'service',
    ]);
  });
});
