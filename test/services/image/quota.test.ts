import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hexId } from '../../../src/server/ids.js';
import { type TestCloud, testCloud } from '../../helpers.js';
import { create, projectId, upload } from './util.js';

describe('image: quotas', () => {
  let t: TestCloud;
  beforeAll(async () => {
    t = await testCloud();
  });
  afterAll(() => t.close());

  /** A Keystone limit for the image service, as `openstack limit create` would record it. */
  async function limit(resource: string, value: number, project?: string) {
    const svc = await t.cloud.db.selectFrom('services').select('id').where('type', '=', 'image').executeTakeFirst();
    const serviceId =
      svc?.id ??
      (
        await t.cloud.db
          .insertInto('services')
          .values({ id: hexId(), type: 'image', enabled: 1, extra: '{"name":"glance"}' })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id;
    await t.cloud.db
      .insertInto('limits')
      .values({
        id: hexId(),
        registered: project ? 0 : 1,
        service_id: serviceId,
        region_id: 'RegionOne',
        resource_name: resource,
        project_id: project ?? null,
        domain_id: null,
        limit_value: value,
        description: null,
      })
      .execute();
  }

  it("refuses an image over the project's image_count_total with Glance's 413", async () => {
    const alt = await projectId(t, 'alt_demo');
    await limit('image_count_total', 2, alt);
    await create(t, 'alt_demo');
    await create(t, 'alt_demo');
    const res = await t.call({ method: 'POST', url: '/image/v2/images', as: 'alt_demo', payload: {} });
    expect(res.statusCode).toBe(413);
    expect(res.body).toContain(
      `Project ${alt} is over a limit for [Resource image_count_total is over limit of 2 due to current usage 2 and delta 1]`,
    );
    // other projects keep DevStack's default of 100
    expect((await t.call({ method: 'POST', url: '/image/v2/images', as: 'demo', payload: {} })).statusCode).toBe(201);
  });

  it('refuses uploads once the project is over image_size_total, leaving the image queued', async () => {
    const demo = await projectId(t, 'demo');
    await limit('image_size_total', 1, demo); // MiB
    const big = await create(t, 'demo');
    expect((await upload(t, 'demo', big.id, Buffer.alloc(2 * 1024 * 1024))).statusCode).toBe(204);
    const next = await create(t, 'demo');
    const res = await upload(t, 'demo', next.id, 'x');
    expect(res.statusCode).toBe(413);
    expect(res.body).toContain('Resource image_size_total is over limit of 1 due to current usage 2 and delta 0');
    const shown = (await t.call({ method: 'GET', url: `/image/v2/images/${next.id}`, as: 'demo' })).json();
    expect(shown.status).toBe('queued');
  });

  it('shows limits and usage at /v2/info/usage', async () => {
    const usage = (await t.call({ method: 'GET', url: '/image/v2/info/usage', as: 'demo' })).json().usage;
    expect(usage.image_size_total).toEqual({ limit: 1, usage: 2 });
    expect(usage.image_count_uploading).toEqual({ limit: 100, usage: 0 });
  });
});
