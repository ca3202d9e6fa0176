import { expect } from 'vitest';
import type { FakeComputeDriver } from '../../../src/drivers/compute/fake.js';
import { computeDriver } from '../../../src/services/compute/driver.js';
import type { TestCloud } from '../../helpers.js';

export const base = '/compute/v2.1';
export const mv = (v: string) => ({ 'openstack-api-version': `compute ${v}` });

/** The seeded public CirrOS image's id. */
export async function cirros(t: TestCloud): Promise<string> {
  const res = await t.call({ method: 'GET', url: '/image/v2/images', as: 'demo' });
  const img = res.json().images.find((i: { name: string }) => i.name.startsWith('cirros'));
  expect(img).toBeDefined();
  return img.id;
}

export function fake(t: TestCloud): FakeComputeDriver {
  return computeDriver(t.cloud) as FakeComputeDriver;
}

/** Boots a server and waits until its build is done; returns its id. */
export async function boot(
  t: TestCloud,
  as: string,
  server: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<string> {
  const res = await t.call({ method: 'POST', url: `${base}/servers`, as, headers, payload: { server } });
  expect(res.statusCode, res.body).toBe(202);
  await t.cloud.tasks.idle();
  return res.json().server.id;
}

export async function show(t: TestCloud, as: string, id: string, headers: Record<string, string> = {}) {
  const res = await t.call({ method: 'GET', url: `${base}/servers/${id}`, as, headers });
  return res.json().server;
}

export async function action(
  t: TestCloud,
  as: string,
  id: string,
  body: unknown,
  headers: Record<string, string> = {},
) {
  const res = await t.call({
    method: 'POST',
    url: `${base}/servers/${id}/action`,
    as,
    headers,
    payload: body as object,
  });
  await t.cloud.tasks.idle();
  return res;
}
