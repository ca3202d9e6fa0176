import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestCloud, testCloud } from '../../helpers.js';
import { neutron } from './helpers.js';

describe('network: segments (read-only, one per network)', () => {
  let t: TestCloud;
  let api: ReturnType<typeof neutron>;
  beforeAll(async () => {
    t = await testCloud();
    api = neutron(t);
  });
  afterAll(() => t.close());

  it("lists each network's segment to admins, with its provider attributes", async () => {
    const pub = (await api('GET', 'networks?name=public')).body.networks[0];
    const list = await api('GET', 'segments');
    expect(list.status).toBe(200);
    const seg = list.body.segments.find((s: { network_id: string }) => s.network_id === pub.id);
    expect(seg).toMatchObject({
      name: null,
      network_type: 'flat',
      physical_network: 'public',
      segmentation_id: null,
    });
    const nets = (await api('GET', 'networks')).body.networks;
    expect(list.body.segments).toHaveLength(nets.length);
    const one = await api('GET', `segments/${seg.id}`);
    expect(one.body.segment).toEqual(seg);
    const filtered = await api('GET', `segments?network_id=${pub.id}`);
    expect(filtered.body.segments).toEqual([seg]);
    expect((await api('GET', 'segments/00000000-0000-0000-0000-000000000000')).status).toBe(404);
    expect((await api('GET', 'segments', undefined, 'demo')).body.segments).toEqual([]);
    const exts = (await api('GET', 'extensions')).body.extensions.map((e: { alias: string }) => e.alias);
    expect(exts).toContain('segment');
  });
});
