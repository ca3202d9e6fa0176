import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestCloud, testCloud } from '../../helpers.js';
import { authenticate, caller, seeded, tokenAuth, V3 } from './api.js';

describe('identity: trusts (OS-TRUST)', () => {
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
  const trustBody = (extra: object = {}) => ({
    trust: {
      trustor_user_id: ids.demoUser,
      trustee_user_id: ids.altUser,
      project_id: ids.demo,
      impersonation: false,
      roles: [{ name: 'member' }],
      ...extra,
    },
  });

  it('creates, shows and deletes a trust; the trustee gets a trust-scoped token', async () => {
    const res = await demo('POST', '/OS-TRUST/trusts', trustBody({ expires_at: '2999-01-01T00:00:00Z' }));
    expect(res.statusCode).toBe(201);
    const trust = res.json().trust;
    expect(trust).toMatchObject({
      trustor_user_id: ids.demoUser,
      trustee_user_id: ids.altUser,
      project_id: ids.demo,
      impersonation: false,
      expires_at: '2999-01-01T00:00:00.000000Z',
    });
    expect(trust.roles.map((r: any) => r.name)).toEqual(['member']);
    expect(trust.links.self).toMatch(/\/v3\/OS-TRUST\/trusts\//);
    expect((await alt('GET', `/OS-TRUST/trusts/${trust.id}`)).statusCode).toBe(200);
    expect((await alt('GET', `/OS-TRUST/trusts/${trust.id}/roles/${ids.member}`)).json().role.name).toBe('member');
    expect((await demo('GET', `/OS-TRUST/trusts?trustor_user_id=${ids.demoUser}`)).json().trusts).toHaveLength(1);
    expect((await alt('GET', `/OS-TRUST/trusts?trustor_user_id=${ids.demoUser}`)).statusCode).toBe(403);

    const altToken = await t.token('alt_demo');
    const scoped = await authenticate(t, tokenAuth(altToken, { 'OS-TRUST:trust': { id: trust.id } }));
    expect(scoped.statusCode).toBe(201);
    const body = scoped.json().token;
    expect(body.user.id).toBe(ids.altUser);
    expect(body.project.id).toBe(ids.demo);
    expect(body['OS-TRUST:trust']).toMatchObject({ id: trust.id, impersonation: false });
    expect(body.roles.map((r: any) => r.name).sort()).toEqual(['member', 'reader']);
    // the trustor cannot use the trust; only the trustee
    const demoToken = await t.token('demo');
    const wrong = await authenticate(t, tokenAuth(demoToken, { 'OS-TRUST:trust': { id: trust.id } }));
    expect(wrong.statusCode).toBe(403);

    const trustToken = scoped.headers['x-subject-token'] as string;
    expect((await alt('DELETE', `/OS-TRUST/trusts/${trust.id}`)).statusCode).toBe(403);
    expect((await demo('DELETE', `/OS-TRUST/trusts/${trust.id}`)).statusCode).toBe(204);
    expect((await demo('GET', `/OS-TRUST/trusts/${trust.id}`)).statusCode).toBe(404);
    expect((await t.call({ method: 'GET', url: `${V3}/auth/catalog`, token: trustToken })).statusCode).toBe(401);
  });

  it('refuses trusts that delegate what the trustor does not hold, or for someone else', async () => {
    expect((await demo('POST', '/OS-TRUST/trusts', trustBody({ roles: [{ name: 'admin' }] }))).statusCode).toBe(404);
    expect((await alt('POST', '/OS-TRUST/trusts', trustBody())).statusCode).toBe(403);
    expect((await demo('POST', '/OS-TRUST/trusts', trustBody({ roles: [] }))).statusCode).toBe(403);
    expect((await demo('POST', '/OS-TRUST/trusts', trustBody({ expires_at: 'bad.123Z' }))).statusCode).toBe(400);
    expect(
      (await demo('POST', '/OS-TRUST/trusts', { trust: { trustor_user_id: ids.demoUser } })).json().error.message,
    ).toBe("'trustee_user_id' is a required property");
    expect((await demo('POST', '/OS-TRUST/trusts', trustBody({ trustee_user_id: 'nope' }))).statusCode).toBe(404);
    expect((await admin('GET', '/OS-TRUST/trusts')).json().trusts).toEqual([]);
  });

  it('counts down remaining uses', async () => {
    const trust = (await demo('POST', '/OS-TRUST/trusts', trustBody({ remaining_uses: 1 }))).json().trust;
    const altToken = await t.token('alt_demo');
    const use = () => authenticate(t, tokenAuth(altToken, { 'OS-TRUST:trust': { id: trust.id } }));
    expect((await use()).statusCode).toBe(201);
    expect((await use()).statusCode).toBe(403);
  });
});
