import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestCloud, testCloud } from '../../helpers.js';
import { create, projectId, upload } from './util.js';

const ids = (res: { json(): any }) => res.json().images.map((i: { id: string }) => i.id) as string[];

describe('image: list', () => {
  let t: TestCloud;
  const made: Record<string, string> = {};
  beforeAll(async () => {
    t = await testCloud();
    made.small = (await create(t, 'demo', { name: 'list-b', disk_format: 'raw', architecture: 'x86_64' })).id;
    await upload(t, 'demo', made.small, 'x'.repeat(10));
    made.big = (await create(t, 'demo', { name: 'list-a', disk_format: 'qcow2' })).id;
    await upload(t, 'demo', made.big, 'x'.repeat(1000));
    made.hidden = (await create(t, 'demo', { name: 'list-h', os_hidden: true })).id;
    made.community = (await create(t, 'alt_demo', { name: 'list-c', visibility: 'community' })).id;
    made.private = (await create(t, 'alt_demo', { name: 'list-p', visibility: 'private' })).id;
  });
  afterAll(() => t.close());

  it('lists what the caller may see, newest first, with Glance links', async () => {
    const res = await t.call({ method: 'GET', url: '/image/v2/images', as: 'demo' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.first).toBe('/v2/images');
    expect(body.schema).toBe('/v2/schemas/images');
    expect(body).not.toHaveProperty('next');
    const seen = ids(res);
    expect(seen).toContain(made.small);
    expect(seen).not.toContain(made.private);
    expect(seen).not.toContain(made.hidden);
    expect(seen).not.toContain(made.community); // another project's community image: only when asked
    expect(seen.indexOf(made.big)).toBeLessThan(seen.indexOf(made.small));
  });

  it('filters by visibility, os_hidden, name, formats, sizes and custom properties', async () => {
    const q = async (query: string) =>
      ids(await t.call({ method: 'GET', url: `/image/v2/images?${query}`, as: 'demo' }));
    expect(await q('visibility=community')).toEqual([made.community]);
    expect(await q('os_hidden=true')).toEqual([made.hidden]);
    expect(await q('name=list-a')).toEqual([made.big]);
    expect(await q('name=in:list-a,list-b')).toHaveLength(2);
    expect(await q('disk_format=qcow2&name=in:list-a,list-b')).toEqual([made.big]);
    expect(await q('size_min=100&name=in:list-a,list-b')).toEqual([made.big]);
    expect((await q('size_max=100')).includes(made.small)).toBe(true);
    expect(await q('architecture=x86_64')).toEqual([made.small]);
    expect(await q(`owner=${await projectId(t, 'alt_demo')}&visibility=all`)).toEqual([made.community]);
    expect(await q('status=queued')).toEqual([]);
  });

  it('sorts by sort= and by sort_key/sort_dir', async () => {
    const q = async (query: string) =>
      ids(await t.call({ method: 'GET', url: `/image/v2/images?name=in:list-a,list-b&${query}`, as: 'demo' }));
    expect(await q('sort=name:asc')).toEqual([made.big, made.small]);
    expect(await q('sort_key=name&sort_dir=desc')).toEqual([made.small, made.big]);
    expect(await q('sort=size:asc')).toEqual([made.small, made.big]);
  });

  it('pages with limit and marker, and gives the next link while pages are full', async () => {
    const first = await t.call({ method: 'GET', url: '/image/v2/images?limit=1&sort=name:asc', as: 'demo' });
    const body = first.json();
    expect(body.images).toHaveLength(1);
    expect(body.first).toBe('/v2/images?limit=1&sort=name%3Aasc');
    expect(body.next).toBe(`/v2/images?limit=1&sort=name%3Aasc&marker=${body.images[0].id}`);
    const all: string[] = [];
    let url: string | undefined = '/v2/images?limit=1&sort=name:asc';
    while (url) {
      const page: { images: { name: string }[]; next?: string } = (
        await t.call({ method: 'GET', url: `/image${url}`, as: 'demo' })
      ).json();
      all.push(...page.images.map((i: { name: string }) => i.name));
      url = page.next;
    }
    const everything = (await t.call({ method: 'GET', url: '/image/v2/images?sort=name:asc', as: 'demo' })).json();
    expect(all).toEqual(everything.images.map((i: { name: string }) => i.name));
  });

  it('refuses bad parameters with 400', async () => {
    for (const [query, message] of [
      ['limit=x', 'limit param must be an integer'],
      ['limit=-1', 'limit param must be positive'],
      ['sort_key=owner', 'Invalid sort key: owner.'],
      ['sort_dir=up', 'Invalid sort direction: up'],
      ['sort=name&sort_key=name', 'Old and new sorting syntax cannot be combined'],
      ['visibility=everyone', 'Invalid visibility value: everyone'],
      ['member_status=maybe', 'Invalid status: maybe'],
      ['os_hidden=maybe', "Invalid value 'maybe' for 'os_hidden' filter."],
      ['size_min=big', 'Unable to filter on a range with a non-numeric value.'],
      ['name=like:x', "Unable to filter by unknown operator 'like'."],
      [`marker=${'0'.repeat(8)}-0000-0000-0000-${'0'.repeat(12)}`, 'No image found with ID'],
    ]) {
      const res = await t.call({ method: 'GET', url: `/image/v2/images?${query}`, as: 'demo' });
      expect(res.statusCode, query).toBe(400);
      expect(res.body).toContain(message);
    }
  });

  it('uses a marker only when the caller may see it', async () => {
    const res = await t.call({ method: 'GET', url: `/image/v2/images?marker=${made.private}`, as: 'demo' });
    expect(res.statusCode).toBe(400);
  });

  it("shows admins every image but other projects' community ones, as Glance", async () => {
    const seen = ids(await t.call({ method: 'GET', url: '/image/v2/images', as: 'admin' }));
    expect(seen).toContain(made.private);
    expect(seen).not.toContain(made.community);
  });
});
