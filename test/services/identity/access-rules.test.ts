import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pathMatches } from '../../../src/services/identity/access-rules.js';
import { type TestCloud, testCloud } from '../../helpers.js';
import { authenticate, caller, seeded, V3 } from './api.js';

type Rule = { service: string; method: string; path: string };

describe('identity: application credential access rules', () => {
  let t: TestCloud;
  let ids: Record<string, string>;
  beforeAll(async () => {
    t = await testCloud();
    ids = await seeded(t);
  });
  afterAll(() => t.close());

  const admin = caller(() => t);
  const demo = caller(() => t, 'demo');

  /** An application credential of demo's with these rules, and a token from it. */
  const restricted = async (name: string, access_rules?: Rule[]) => {
    const res = await demo('POST', `/users/${ids.demoUser}/application_credentials`, {
      application_credential: { name, ...(access_rules ? { access_rules } : {}) },
    });
    expect(res.statusCode).toBe(201);
    const cred = res.json().application_credential;
    const tok = await authenticate(t, {
      auth: {
        identity: {
          methods: ['application_credential'],
          application_credential: { id: cred.id, secret: cred.secret },
        },
      },
    });
    expect(tok.statusCode).toBe(201);
    return { cred, token: tok.headers['x-subject-token'] as string, body: tok.json().token };
  };
  const as = (token: string) => (method: 'GET' | 'HEAD' | 'POST' | 'DELETE', url: string, payload?: object) =>
    t.call({ method, url, token, ...(payload ? { payload } : {}) });

  const refused = {
    error: { code: 401, title: 'Unauthorized', message: 'The request you have made requires authentication.' },
  };

  it('matches path templates as keystonemiddleware does', () => {
    expect(pathMatches('/v2.1/servers', '/v2.1/servers')).toBe(true);
    expect(pathMatches('/v2.1/servers/', '/v2.1/servers')).toBe(false);
    expect(pathMatches('/v2.1/servers/abc', '/v2.1/servers/*')).toBe(true);
    expect(pathMatches('/v2.1/servers/abc/action', '/v2.1/servers/*')).toBe(false);
    expect(pathMatches('/v2.1/servers/abc/action', '/v2.1/servers/{server_id}/action')).toBe(true);
    expect(pathMatches('/v2.1/servers/abc/action', '/v2.1/**')).toBe(true);
    expect(pathMatches('/v2.1/', '/v2.1/**')).toBe(true);
    expect(pathMatches('/v2.1', '/v2.1/**')).toBe(false);
    expect(pathMatches('/v2.1/servers/x/ips', '/v2.1/*/x/**')).toBe(true);
    expect(pathMatches('/v2x1/servers', '/v2.1/servers')).toBe(false);
  });

  it('lets a restricted token make only the calls its rules name, on the service they name', async () => {
    const { token, body } = await restricted('list-servers', [
      { service: 'compute', method: 'GET', path: '/v2.1/servers' },
      { service: 'image', method: 'GET', path: '/v2/images/*' },
      { service: 'network', method: 'GET', path: '/v2.0/**' },
      { service: 'volumev3', method: 'GET', path: '/v3/{project_id}/volumes' },
    ]);
    expect(body.application_credential.access_rules).toHaveLength(4);
    const call = as(token);
    expect((await call('GET', '/compute/v2.1/servers')).statusCode).toBe(200);
    expect((await call('GET', '/compute/v2.1/servers?limit=1')).statusCode).toBe(200);
    // another path, a trailing slash, another method
    for (const [method, url] of [
      ['GET', '/compute/v2.1/servers/detail'],
      ['GET', '/compute/v2.1/servers/'],
      ['POST', '/compute/v2.1/servers'],
    ] as const) {
      const res = await call(method, url, method === 'POST' ? { server: {} } : undefined);
      expect(res.statusCode, `${method} ${url}`).toBe(401);
      expect(res.json()).toEqual(refused);
      expect(res.headers['www-authenticate']).toMatch(/^Keystone uri=/);
    }
    // a rule's path on a service it does not name
    expect((await call('GET', '/image/v2.1/servers')).statusCode).toBe(401);
    // `*` is one segment: the image itself passes (and is not found), the list does not
    expect((await call('GET', '/image/v2/images/00000000-0000-0000-0000-000000000000')).statusCode).toBe(404);
    expect((await call('GET', '/image/v2/images')).statusCode).toBe(401);
    // `**` is any depth
    expect((await call('GET', '/networking/v2.0/networks')).statusCode).toBe(200);
    expect((await call('GET', '/networking/v2.0/ports')).statusCode).toBe(200);
    expect((await call('POST', '/networking/v2.0/networks', { network: {} })).statusCode).toBe(401);
    // a service publishing several types answers rules naming any of them
    expect((await call('GET', `/volume/v3/${ids.demo}/volumes`)).statusCode).toBe(200);
    expect((await call('GET', `/volume/v3/${ids.demo}/snapshots`)).statusCode).toBe(401);
    // identity: anything not named is refused too
    expect((await call('GET', `${V3}/users/${ids.demoUser}`)).json()).toEqual(refused);
  });

  it("holds on Heat's signal URL too, which also takes wait condition handle tokens", async () => {
    const signal = `/heat-api/v1/${ids.demo}/stacks/nope/00000000-0000-0000-0000-000000000000/resources/r/signal`;
    const other = await restricted('servers-only', [{ service: 'compute', method: 'GET', path: '/v2.1/servers' }]);
    const res = await as(other.token)('POST', signal, {});
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual(refused);
    // a rule naming the call lets it through to Heat, which does not find the stack
    const heat = await restricted('signals', [{ service: 'orchestration', method: 'POST', path: '/v1/**' }]);
    expect((await as(heat.token)('POST', signal, {})).statusCode).toBe(404);
  });

  it('refuses malformed rules with a 400 and stores nothing', async () => {
    const base = `/users/${ids.demoUser}/application_credentials`;
    for (const rule of [
      { service: 'compute', method: 'FETCH', path: '/v2.1/servers' },
      { service: 'compute', method: 'GET', path: 'v2.1/servers' },
      { service: 'compute', method: 'GET', path: '/v2.1', extra: 1 },
    ]) {
      const res = await demo('POST', base, { application_credential: { name: 'bad', access_rules: [rule] } });
      expect(res.statusCode, JSON.stringify(rule)).toBe(400);
    }
    expect((await demo('GET', `${base}?name=bad`)).json().application_credentials).toEqual([]);
  });

  it('leaves tokens of credentials without rules (or with an empty list) unlimited', async () => {
    for (const [name, rules] of [
      ['no-rules', undefined],
      ['empty-rules', []],
    ] as const) {
      const { token, body } = await restricted(name, rules as Rule[] | undefined);
      expect(body.application_credential.access_rules).toBeUndefined();
      const call = as(token);
      expect((await call('GET', '/networking/v2.0/networks')).statusCode).toBe(200);
      expect((await call('GET', '/compute/v2.1/servers/detail')).statusCode).toBe(200);
      expect((await call('GET', `${V3}/users/${ids.demoUser}`)).statusCode).toBe(200);
    }
    // and a password token is not touched by anyone's rules
    expect((await demo('GET', `/users/${ids.demoUser}`)).statusCode).toBe(200);
  });

  it("still applies Keystone's own limits to identity calls a rule allows", async () => {
    const { token } = await restricted('make-more', [
      { service: 'identity', method: 'POST', path: '/v3/users/*/application_credentials' },
      { service: 'identity', method: 'GET', path: '/v3/users/*/application_credentials' },
    ]);
    const call = as(token);
    const base = `${V3}/users/${ids.demoUser}/application_credentials`;
    expect((await call('GET', base)).statusCode).toBe(200);
    // the rule lets the call through; a restricted credential still may not make credentials
    const more = await call('POST', base, { application_credential: { name: 'more' } });
    expect(more.statusCode).toBe(403);
    expect(more.json().error.message).toContain("Using method 'application_credential' is not allowed");
    expect((await call('DELETE', `${base}/nope`)).statusCode).toBe(401);
  });

  it('validates a restricted token only for callers that enforce access rules', async () => {
    const { token } = await restricted('validate', [{ service: 'compute', method: 'GET', path: '/v2.1/servers' }]);
    const validate = (caller: string | undefined, headers: Record<string, string> = {}) =>
      t.call({
        method: 'GET',
        url: `${V3}/auth/tokens`,
        ...(caller ? { token: caller } : { as: 'admin' }),
        headers: { 'x-subject-token': token, ...headers },
      });
    const plain = await validate(undefined);
    expect(plain.statusCode).toBe(404);
    expect(plain.json().error).toEqual({ code: 404, title: 'Not Found', message: 'Failed to validate token' });
    expect((await validate(undefined, { 'openstack-identity-access-rules': '0.9' })).statusCode).toBe(404);
    const ok = await validate(undefined, { 'openstack-identity-access-rules': '1' });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().token.application_credential.access_rules[0]).toMatchObject({ path: '/v2.1/servers' });
    // the token may always validate itself (GET only), whatever its rules
    expect((await validate(token, { 'openstack-identity-access-rules': '1.0' })).statusCode).toBe(200);
    const head = await t.call({
      method: 'HEAD',
      url: `${V3}/auth/tokens`,
      token,
      headers: { 'x-subject-token': token },
    });
    expect(head.statusCode).toBe(401);
  });

  it('refuses a rule whose service is not in the token catalog', async () => {
    const { token } = await restricted('no-catalog', [{ service: 'compute', method: 'GET', path: '/v2.1/servers' }]);
    expect((await as(token)('GET', '/compute/v2.1/servers')).statusCode).toBe(200);
    const svc = (await admin('GET', '/services?type=compute')).json().services[0];
    expect((await admin('PATCH', `/services/${svc.id}`, { service: { enabled: false } })).statusCode).toBe(200);
    expect((await as(token)('GET', '/compute/v2.1/servers')).json()).toEqual(refused);
    await admin('PATCH', `/services/${svc.id}`, { service: { enabled: true } });
    expect((await as(token)('GET', '/compute/v2.1/servers')).statusCode).toBe(200);
  });
});
