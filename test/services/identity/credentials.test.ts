import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestCloud, testCloud } from '../../helpers.js';
import { caller, seeded, V3 } from './api.js';

describe('identity: credentials, EC2 credentials, application credentials', () => {
  let t: TestCloud;
  let ids: Record<string, string>;
  beforeAll(async () => {
    t = await testCloud();
    ids = await seeded(t);
  });
  afterAll(() => t.close());

  const admin = caller(() => t);
  const demo = caller(() => t, 'demo');
  const alt = caller(() => t, 'alt_demo');

  it('lets a user keep credentials that only they (and admins) see', async () => {
    const res = await demo('POST', '/credentials', {
      credential: { user_id: ids.demoUser, type: 'cert', blob: 'abc' },
    });
    expect(res.statusCode).toBe(201);
    const c = res.json().credential;
    expect(c).toMatchObject({ user_id: ids.demoUser, type: 'cert', blob: 'abc', project_id: null });
    expect((await demo('GET', '/credentials')).json().credentials.map((x: any) => x.id)).toEqual([c.id]);
    expect((await alt('GET', '/credentials')).json().credentials).toEqual([]);
    expect((await alt('GET', `/credentials/${c.id}`)).statusCode).toBe(403);
    expect((await alt('DELETE', `/credentials/${c.id}`)).statusCode).toBe(403);
    // nobody makes credentials for someone else, except an admin
    expect(
      (await alt('POST', '/credentials', { credential: { user_id: ids.demoUser, type: 'cert', blob: 'x' } }))
        .statusCode,
    ).toBe(403);
    expect((await demo('PATCH', `/credentials/${c.id}`, { credential: { blob: 'def' } })).json().credential.blob).toBe(
      'def',
    );
    expect((await demo('DELETE', `/credentials/${c.id}`)).statusCode).toBe(204);
    expect((await admin('GET', `/credentials/${c.id}`)).statusCode).toBe(404);
  });

  it('keys EC2 credentials by the sha256 of their access key and checks their blob', async () => {
    const blob = JSON.stringify({ access: 'AK', secret: 'SK' });
    const c = (
      await admin('POST', '/credentials', {
        credential: { user_id: ids.demoUser, type: 'ec2', blob, project_id: ids.demo },
      })
    ).json().credential;
    expect(c.id).toBe(createHash('sha256').update('AK').digest('hex'));
    const dup = await admin('POST', '/credentials', {
      credential: { user_id: ids.demoUser, type: 'ec2', blob, project_id: ids.demo },
    });
    expect(dup.statusCode).toBe(409);
    const noProject = await admin('POST', '/credentials', { credential: { user_id: ids.demoUser, type: 'ec2', blob } });
    expect(noProject.statusCode).toBe(400);
    const badBlob = await admin('POST', '/credentials', {
      credential: { user_id: ids.demoUser, type: 'ec2', blob: '{"secret": "x"}', project_id: ids.demo },
    });
    expect(badBlob.statusCode).toBe(400);
    expect(
      (await admin('POST', '/credentials', { credential: { type: 'cert', blob: 'x' } })).json().error.message,
    ).toBe("'user_id' is a required property");
    await admin('DELETE', `/credentials/${c.id}`);
  });

  it('serves EC2 credentials under the user', async () => {
    const base = `/users/${ids.demoUser}/credentials/OS-EC2`;
    const made = await demo('POST', base, { tenant_id: ids.demo });
    expect(made.statusCode).toBe(201);
    const c = made.json().credential;
    expect(c).toMatchObject({ user_id: ids.demoUser, tenant_id: ids.demo, trust_id: null });
    expect(c.access).toMatch(/^[0-9a-f]{32}$/);
    expect((await demo('GET', `${base}/${c.access}`)).json().credential.secret).toBe(c.secret);
    expect((await demo('GET', base)).json().credentials.map((x: any) => x.access)).toEqual([c.access]);
    expect((await alt('GET', base)).statusCode).toBe(403);
    expect((await alt('POST', base, { tenant_id: ids.demo })).statusCode).toBe(403);
    expect((await demo('POST', base, {})).json().error.message).toBe("'tenant_id' is a required property");
    expect((await demo('POST', base, { tenant_id: 'nope' })).statusCode).toBe(404);
    expect((await demo('DELETE', `${base}/${c.access}`)).statusCode).toBe(204);
    expect((await demo('GET', `${base}/${c.access}`)).statusCode).toBe(404);
  });

  it('makes application credentials that authenticate with their secret, once shown', async () => {
    const base = `/users/${ids.demoUser}/application_credentials`;
    const res = await demo('POST', base, {
      application_credential: { name: 'ci', roles: [{ name: 'reader' }], expires_at: '2999-01-01T00:00:00.123456' },
    });
    expect(res.statusCode).toBe(201);
    const cred = res.json().application_credential;
    expect(cred).toMatchObject({
      name: 'ci',
      project_id: ids.demo,
      unrestricted: false,
      expires_at: '2999-01-01T00:00:00.123456',
    });
    expect(cred.roles.map((r: any) => r.name)).toEqual(['reader']);
    expect(cred.secret.length).toBeGreaterThan(40);
    const shown = (await demo('GET', `${base}/${cred.id}`)).json().application_credential;
    expect(shown.secret).toBeUndefined();
    const auth = (secret: string) =>
      t.call({
        method: 'POST',
        url: `${V3}/auth/tokens`,
        payload: {
          auth: { identity: { methods: ['application_credential'], application_credential: { id: cred.id, secret } } },
        },
      });
    const tok = await auth(cred.secret);
    expect(tok.statusCode).toBe(201);
    const soon = (
      await demo('POST', base, {
        application_credential: { name: 'short', expires_at: new Date(Date.now() + 600_000).toISOString() },
      })
    ).json().application_credential;
    const shortTok = await t.call({
      method: 'POST',
      url: `${V3}/auth/tokens`,
      payload: {
        auth: {
          identity: {
            methods: ['application_credential'],
            application_credential: { id: soon.id, secret: soon.secret },
          },
        },
      },
    });
    // a token does not outlive its application credential
    expect(Date.parse(shortTok.json().token.expires_at)).toBeLessThanOrEqual(Date.parse(`${soon.expires_at}Z`) + 1);
    expect(tok.json().token.roles.map((r: any) => r.name)).toEqual(['reader']);
    expect(tok.json().token.application_credential).toMatchObject({ id: cred.id, name: 'ci', restricted: true });
    expect((await auth('wrong')).statusCode).toBe(401);
    // a restricted application credential cannot make more of them
    const appTok = tok.headers['x-subject-token'] as string;
    const more = await t.call({
      method: 'POST',
      url: V3 + base,
      token: appTok,
      payload: { application_credential: { name: 'more' } },
    });
    expect(more.statusCode).toBe(403);
    expect((await demo('POST', base, { application_credential: { name: 'ci' } })).statusCode).toBe(409);
    expect(
      (await demo('POST', base, { application_credential: { name: 'x', roles: [{ name: 'admin' }] } })).statusCode,
    ).toBe(400);
    expect(
      (await demo('POST', base, { application_credential: { name: 'x', expires_at: '2000-01-01T00:00:00' } }))
        .statusCode,
    ).toBe(400);
    expect((await demo('POST', base, { application_credential: {} })).statusCode).toBe(400);
    expect((await alt('GET', base)).statusCode).toBe(403);
    expect((await alt('POST', base, { application_credential: { name: 'theirs' } })).statusCode).toBe(403);
    expect((await demo('DELETE', `${base}/${cred.id}`)).statusCode).toBe(204);
    expect((await t.call({ method: 'GET', url: `${V3}/auth/catalog`, token: appTok })).statusCode).toBe(401);
    expect((await auth(cred.secret)).statusCode).toBe(401);
    expect((await demo('GET', `${base}/${cred.id}`)).statusCode).toBe(404);
  });

  it('keeps access rules of application credentials', async () => {
    const base = `/users/${ids.demoUser}`;
    const cred = (
      await demo('POST', `${base}/application_credentials`, {
        application_credential: {
          name: 'ruled',
          access_rules: [{ service: 'compute', path: '/v2.1/servers', method: 'GET' }],
        },
      })
    ).json().application_credential;
    expect(cred.access_rules).toHaveLength(1);
    const rules = (await demo('GET', `${base}/access_rules`)).json().access_rules;
    expect(rules.map((r: any) => r.path)).toEqual(['/v2.1/servers']);
    expect((await demo('DELETE', `${base}/access_rules/${rules[0].id}`)).statusCode).toBe(403);
    await demo('DELETE', `${base}/application_credentials/${cred.id}`);
    expect((await demo('DELETE', `${base}/access_rules/${rules[0].id}`)).statusCode).toBe(204);
    expect((await demo('GET', `${base}/access_rules/${rules[0].id}`)).statusCode).toBe(404);
    const bad = await demo('POST', `${base}/application_credentials`, {
      application_credential: { name: 'bad', access_rules: [{ service: 'compute', path: 'no-slash', method: 'GET' }] },
    });
    expect(bad.statusCode).toBe(400);
  });
});
