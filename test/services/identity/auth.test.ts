import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken, invalidateTokens } from '../../../src/services/identity/tokens.js';
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

  it('refuses expired tokens', async () => {
    const res = await t.call({ method: 'POST', url: '/identity/v3/auth/tokens', payload: password('demo', 'secret') });
    const tok = res.headers['x-subject-token'] as string;
    expect((await t.call({ method: 'GET', url: '/identity/v3/auth/projects', token: tok })).statusCode).toBe(200);
    await t.cloud.db
      .updateTable('tokens')
      .set({ expires_at: '2000-01-01T00:00:00.000Z' })
      .where('hash', '=', hashToken(tok))
      .execute();
    invalidateTokens(t.cloud);
    const after = await t.call({ method: 'GET', url: '/identity/v3/auth/projects', token: tok });
    expect(after.statusCode).toBe(401);
    expect(after.json().error.title).toBe('Unauthorized');
  });

  it('lets a user validate their own token, not another one', async () => {
    const alt = await t.token('alt_demo');
    const demo = await t.token('demo');
    const own = await t.call({
      method: 'GET',
      url: '/identity/v3/auth/tokens',
      token: demo,
      headers: { 'x-subject-token': demo },
    });
    expect(own.statusCode).toBe(200);
    const other = await t.call({
      method: 'GET',
      url: '/identity/v3/auth/tokens',
      token: demo,
      headers: { 'x-subject-token': alt },
    });
    expect(other.statusCode).toBe(403);
    expect(
      (
        await t.call({
          method: 'DELETE',
          url: '/identity/v3/auth/tokens',
          token: demo,
          headers: { 'x-subject-token': alt },
        })
      ).statusCode,
    ).toBe(403);
    const missing = await t.call({
      method: 'HEAD',
      url: '/identity/v3/auth/tokens',
      as: 'admin',
      headers: { 'x-subject-token': 'nope' },
    });
    expect(missing.statusCode).toBe(404);
  });

  it('issues unscoped tokens without catalog or roles, and rescopes them', async () => {
    const res = await t.call({
      method: 'POST',
      url: '/identity/v3/auth/tokens',
      payload: password('alt_demo', 'secret'),
    });
    expect(res.statusCode).toBe(201);
    const body = res.json().token;
    expect(body.catalog).toBeUndefined();
    expect(body.roles).toBeUndefined();
    expect(body.project).toBeUndefined();
    const rescoped = await t.call({
      method: 'POST',
      url: '/identity/v3/auth/tokens',
      payload: {
        auth: {
          identity: { methods: ['token'], token: { id: res.headers['x-subject-token'] } },
          scope: { project: { name: 'alt_demo', domain: { id: 'default' } } },
        },
      },
    });
    expect(rescoped.statusCode).toBe(201);
    expect(rescoped.json().token.methods.sort()).toEqual(['password', 'token']);
    expect(rescoped.json().token.expires_at).toBe(body.expires_at);
    expect(rescoped.json().token.audit_ids[1]).toBe(body.audit_ids[0]);
  });

  it('answers malformed auth requests with 400 and unknown methods or users with 401', async () => {
    const post = (payload: object) => t.call({ method: 'POST', url: '/identity/v3/auth/tokens', payload });
    expect((await post({})).statusCode).toBe(400);
    expect((await post({ auth: { identity: { methods: 'password' } } })).statusCode).toBe(400);
    expect(
      (
        await post({
          auth: { identity: { methods: ['password'], password: { user: { name: 'admin', password: 'secret' } } } },
        })
      ).statusCode,
    ).toBe(400);
    expect(
      (
        await post({
          auth: {
            identity: { methods: ['password'], password: { user: { name: 'admin', domain: { id: 'default' } } } },
          },
        })
      ).statusCode,
    ).toBe(400);
    expect((await post({ auth: { identity: { methods: ['totp'], totp: {} } } })).statusCode).toBe(401);
    expect((await post(password('nobody', 'secret'))).statusCode).toBe(401);
    const wrongDomain = await post({
      auth: {
        identity: {
          methods: ['password'],
          password: { user: { name: 'admin', domain: { id: 'nope' }, password: 'secret' } },
        },
      },
    });
    expect(wrongDomain.statusCode).toBe(401);
    expect(
      (await post(password('admin', 'secret', { project: { name: 'nope', domain: { id: 'default' } } }))).statusCode,
    ).toBe(401);
  });
});
