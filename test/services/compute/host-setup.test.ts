import { afterEach, describe, expect, it } from 'vitest';
import { type TestCloud, testCloud } from '../../helpers.js';
import { base, cirros, mv, show } from './util.js';

// A first start on a host still being prepared (src/host/setup.ts): the API
// answers at once, servers wait in BUILD until the host is ready, then boot;
// when the setup fails they fail with its reason.

const until = async (t: TestCloud, id: string, status: string) => {
  for (let i = 0; i < 200; i++) {
    const s = await show(t, 'demo', id);
    if (s.status === status) return s;
    await new Promise((r) => setTimeout(r, 10));
  }
  return show(t, 'demo', id);
};

describe('compute on a host being prepared', () => {
  let t: TestCloud | undefined;
  afterEach(() => t?.close());

  it('keeps servers in BUILD until the host is ready, then boots them', async () => {
    let ready!: () => void;
    t = await testCloud({}, { hostReady: new Promise<void>((r) => (ready = r)) });
    const res = await t.call({
      method: 'POST',
      url: `${base}/servers`,
      as: 'demo',
      headers: mv('2.37'),
      payload: { server: { name: 'early', imageRef: await cirros(t), flavorRef: '42', networks: 'none' } },
    });
    expect(res.statusCode, res.body).toBe(202);
    const id = res.json().server.id;
    await new Promise((r) => setTimeout(r, 200));
    expect((await show(t, 'demo', id)).status).toBe('BUILD');
    ready();
    expect((await until(t, id, 'ACTIVE')).status).toBe('ACTIVE');
  });

  it('fails the builds with the reason when the host cannot be prepared', async () => {
    let fail!: (e: Error) => void;
    t = await testCloud({}, { hostReady: new Promise<void>((_, r) => (fail = r)) });
    const res = await t.call({
      method: 'POST',
      url: `${base}/servers`,
      as: 'demo',
      headers: mv('2.37'),
      payload: { server: { name: 'doomed', imageRef: await cirros(t), flavorRef: '42', networks: 'none' } },
    });
    const id = res.json().server.id;
    fail(new Error('could not install qemu-system-x86: no network'));
    const s = await until(t, id, 'ERROR');
    expect(s.status).toBe('ERROR');
    expect(s.fault.message).toMatch(/could not install qemu-system-x86/);
  });
});
