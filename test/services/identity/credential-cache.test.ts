import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CredentialCache, credentialCache } from '../../../src/services/identity/credential-cache.js';
import { hashPassword } from '../../../src/services/identity/passwords.js';
import { type TestCloud, testCloud } from '../../helpers.js';
import { authenticate, caller, passwordAuth, seeded } from './api.js';

describe('identity: credential cache (the class)', () => {
  it('matches only the same subject, stored hash and secret, until the TTL passes', () => {
    let now = 1000;
    const c = new CredentialCache(60_000, 10, () => now);
    c.remember('user:a', 'hash1', 'pw');
    expect(c.has('user:a', 'hash1', 'pw')).toBe(true);
    expect(c.has('user:a', 'hash1', 'pw2')).toBe(false);
    expect(c.has('user:a', 'hash2', 'pw')).toBe(false);
    expect(c.has('user:b', 'hash1', 'pw')).toBe(false);
    // the length prefixes keep a shifted boundary from colliding
    expect(c.has('user:a', 'hash1p', 'w')).toBe(false);
    now += 60_000;
    expect(c.has('user:a', 'hash1', 'pw')).toBe(false);
    expect(c.size).toBe(0);
  });

  it('keeps no secret in the clear, forgets on demand and stays bounded', () => {
    const c = new CredentialCache(60_000, 3);
    c.remember('user:a', 'h', 'a-very-secret-password');
    expect(JSON.stringify([...(c as unknown as { entries: Map<string, unknown> }).entries])).not.toContain('secret');
    c.forget('user:a');
    expect(c.has('user:a', 'h', 'a-very-secret-password')).toBe(false);
    for (const s of ['1', '2', '3', '4']) c.remember(`user:${s}`, 'h', 'pw');
    expect(c.size).toBe(3);
    expect(c.has('user:1', 'h', 'pw')).toBe(false); // the oldest went first
    expect(c.has('user:4', 'h', 'pw')).toBe(true);
  });

  it('remembers nothing with a TTL of 0 (--no-credential-cache)', () => {
    const c = new CredentialCache(0);
    c.remember('user:a', 'h', 'pw');
    expect(c.has('user:a', 'h', 'pw')).toBe(false);
  });
});

describe('identity: credential cache (logins)', () => {
  let t: TestCloud;
  let ids: Awaited<ReturnType<typeof seeded>>;
  const admin = caller(() => t);
  beforeAll(async () => {
    t = await testCloud();
    ids = await seeded(t);
  });
  afterAll(() => t.close());

  async function newUser(password = 'pw-one') {
    const res = await admin('POST', '/users', {
      user: { name: `cc-${Math.random().toString(36).slice(2)}`, password },
    });
    expect(res.statusCode).toBe(201);
    const id = res.json().user.id as string;
    expect((await admin('PUT', `/projects/${ids.demo}/users/${id}/roles/${ids.member}`)).statusCode).toBe(204);
    return id;
  }

  const login = (id: string, pw: string) => authenticate(t, passwordAuth(id, pw, ids.demo));

  it('a repeated login skips the hash; a wrong password never does', async () => {
    const id = await newUser();
    const stats = credentialCache(t.cloud).stats;
    const before = { ...stats };
    expect((await login(id, 'pw-one')).statusCode).toBe(201);
    expect(stats.misses - before.misses).toBe(1);
    expect((await login(id, 'pw-one')).statusCode).toBe(201);
    expect((await login(id, 'pw-one')).statusCode).toBe(201);
    expect(stats.hits - before.hits).toBe(2);
    expect((await login(id, 'pw-wrong')).statusCode).toBe(401);
    expect(stats.hits - before.hits).toBe(2);
    expect(stats.misses - before.misses).toBe(2);
  });

  it('a password change (by an admin or by the user) ends the old password', async () => {
    const id = await newUser();
    expect((await login(id, 'pw-one')).statusCode).toBe(201);
    expect((await admin('PATCH', `/users/${id}`, { user: { password: 'pw-two' } })).statusCode).toBe(200);
    expect((await login(id, 'pw-one')).statusCode).toBe(401);
    expect((await login(id, 'pw-two')).statusCode).toBe(201);
    expect((await login(id, 'pw-two')).statusCode).toBe(201);
    const self = await t.call({
      method: 'POST',
      url: `/identity/v3/users/${id}/password`,
      payload: { user: { original_password: 'pw-two', password: 'pw-three' } },
    });
    expect(self.statusCode).toBe(204);
    expect((await login(id, 'pw-two')).statusCode).toBe(401);
    expect((await login(id, 'pw-three')).statusCode).toBe(201);
  });

  it('a stored hash changed behind its back (another process on the same database) ends the old password', async () => {
    const id = await newUser();
    expect((await login(id, 'pw-one')).statusCode).toBe(201);
    expect((await login(id, 'pw-one')).statusCode).toBe(201);
    const hash = await hashPassword('pw-other', t.cloud.config.passwordHashCost);
    await t.cloud.db
      .updateTable('users' as never)
      .set({ password_hash: hash } as never)
      .where('id' as never, '=', id as never)
      .execute();
    expect((await login(id, 'pw-one')).statusCode).toBe(401);
    expect((await login(id, 'pw-other')).statusCode).toBe(201);
  });

  it('disabling a user refuses the cached login, and enabling does not bring it back unchecked', async () => {
    const id = await newUser();
    expect((await login(id, 'pw-one')).statusCode).toBe(201);
    expect((await admin('PATCH', `/users/${id}`, { user: { enabled: false } })).statusCode).toBe(200);
    expect((await login(id, 'pw-one')).statusCode).toBe(401);
    expect((await admin('PATCH', `/users/${id}`, { user: { enabled: true } })).statusCode).toBe(200);
    const stats = credentialCache(t.cloud).stats;
    const misses = stats.misses;
    expect((await login(id, 'pw-one')).statusCode).toBe(201);
    expect(stats.misses - misses).toBe(1); // verified again with the hash
  });

  it('deleting a user refuses the cached login', async () => {
    const id = await newUser();
    expect((await login(id, 'pw-one')).statusCode).toBe(201);
    expect((await admin('DELETE', `/users/${id}`)).statusCode).toBe(204);
    expect((await login(id, 'pw-one')).statusCode).toBe(401);
  });

  it('removing the role refuses a project-scoped token to the cached login', async () => {
    const id = await newUser();
    expect((await login(id, 'pw-one')).statusCode).toBe(201);
    expect((await admin('DELETE', `/projects/${ids.demo}/users/${id}/roles/${ids.member}`)).statusCode).toBe(204);
    expect((await login(id, 'pw-one')).statusCode).toBe(401);
  });

  it("disabling the user's domain refuses the cached login", async () => {
    const d = await admin('POST', '/domains', { domain: { name: `cc-dom-${Math.random().toString(36).slice(2)}` } });
    const domainId = d.json().domain.id as string;
    const u = await admin('POST', '/users', {
      user: { name: 'cc-in-domain', domain_id: domainId, password: 'pw-one' },
    });
    const id = u.json().user.id as string;
    const unscoped = () => authenticate(t, passwordAuth(id, 'pw-one'));
    expect((await unscoped()).statusCode).toBe(201);
    expect((await unscoped()).statusCode).toBe(201);
    expect((await admin('PATCH', `/domains/${domainId}`, { domain: { enabled: false } })).statusCode).toBe(200);
    expect((await unscoped()).statusCode).toBe(401);
  });

  it('an application credential secret is cached the same way, and its deletion ends it', async () => {
    const id = await newUser();
    const tok = (await login(id, 'pw-one')).headers['x-subject-token'] as string;
    const made = await t.call({
      method: 'POST',
      url: `/identity/v3/users/${id}/application_credentials`,
      token: tok,
      payload: { application_credential: { name: 'cc-app' } },
    });
    expect(made.statusCode).toBe(201);
    const { id: credId, secret } = made.json().application_credential;
    const body = {
      auth: { identity: { methods: ['application_credential'], application_credential: { id: credId, secret } } },
    };
    const stats = credentialCache(t.cloud).stats;
    expect((await authenticate(t, body)).statusCode).toBe(201);
    const hits = stats.hits;
    expect((await authenticate(t, body)).statusCode).toBe(201);
    expect(stats.hits - hits).toBe(1);
    const del = await t.call({
      method: 'DELETE',
      url: `/identity/v3/users/${id}/application_credentials/${credId}`,
      token: tok,
    });
    expect(del.statusCode).toBe(204);
    expect((await authenticate(t, body)).statusCode).toBe(401);
  });
});

describe('identity: --no-credential-cache', () => {
  let t: TestCloud;
  beforeAll(async () => {
    t = await testCloud({ credentialCacheSeconds: 0 });
  });
  afterAll(() => t.close());

  it('hashes every login', async () => {
    const ids = await seeded(t);
    const stats = credentialCache(t.cloud).stats;
    const before = { ...stats };
    for (let i = 0; i < 3; i++)
      expect((await authenticate(t, passwordAuth(ids.demoUser, 'secret'))).statusCode).toBe(201);
    expect(stats.hits - before.hits).toBe(0);
    expect(stats.misses - before.misses).toBe(3);
  });
});
