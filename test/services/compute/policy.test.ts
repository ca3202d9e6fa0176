import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestCloud, testCloud } from '../../helpers.js';
import { base, cirros } from './util.js';

describe("compute: Nova's default policy for readers", () => {
  let t: TestCloud;
  let token: string;
  beforeAll(async () => {
    t = await testCloud();
    const id = '/identity/v3';
    const demo = (await t.call({ method: 'GET', url: `${id}/projects?name=demo`, as: 'admin' })).json().projects[0].id;
    const reader = (await t.call({ method: 'GET', url: `${id}/roles?name=reader`, as: 'admin' })).json().roles[0].id;
    const user = (
      await t.call({
        method: 'POST',
        url: `${id}/users`,
        as: 'admin',
        payload: { user: { name: 'viewer', password: 'secret', domain_id: 'default' } },
      })
    ).json().user.id;
    await t.call({ method: 'PUT', url: `${id}/projects/${demo}/users/${user}/roles/${reader}`, as: 'admin' });
    token = await t.token('viewer', 'demo');
  });
  afterAll(() => t.close());

  it('lets a reader list but not create or change', async () => {
    expect((await t.call({ method: 'GET', url: `${base}/servers`, token })).statusCode).toBe(200);
    const res = await t.call({
      method: 'POST',
      url: `${base}/servers`,
      token,
      payload: { server: { name: 'x', imageRef: await cirros(t), flavorRef: '42' } },
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().forbidden.message).toMatch(
      /^Policy doesn't allow os_compute_api:servers:create to be performed\.$/,
    );
    // key pairs belong to the user: a reader keeps their own
    const kp = await t.call({
      method: 'POST',
      url: `${base}/os-keypairs`,
      token,
      payload: { keypair: { name: 'mine' } },
    });
    expect(kp.statusCode).toBe(200);
  });
});
