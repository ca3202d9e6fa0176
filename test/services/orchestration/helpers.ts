import { expect } from 'vitest';
import type { TestCloud } from '../../helpers.js';

// Shortcuts for the Heat API in tests: the project's base path, creating a
// stack and waiting for the engine to settle it.

export async function projectId(t: TestCloud, user = 'admin'): Promise<string> {
  const res = await t.call({
    method: 'GET',
    url: '/identity/v3/auth/tokens',
    as: user,
    headers: { 'x-subject-token': await t.token(user) },
  });
  return res.json().token.project.id;
}

export async function heatBase(t: TestCloud, user = 'admin'): Promise<string> {
  return `/heat-api/v1/${await projectId(t, user)}`;
}

/** Creates a stack and waits until the engine is done with it; returns its show body. */
export async function createStack(
  t: TestCloud,
  name: string,
  template: unknown,
  opts: { as?: string; parameters?: Record<string, unknown>; extra?: Record<string, unknown>; wait?: boolean } = {},
) {
  const as = opts.as ?? 'admin';
  const base = await heatBase(t, as);
  const res = await t.call({
    method: 'POST',
    url: `${base}/stacks`,
    as,
    payload: { stack_name: name, template, parameters: opts.parameters ?? {}, ...opts.extra },
  });
  expect(res.statusCode, res.body).toBe(201);
  const id = res.json().stack.id as string;
  if (opts.wait !== false) await t.cloud.tasks.idle();
  const show = await t.call({ method: 'GET', url: `${base}/stacks/${name}/${id}`, as });
  return { id, base, stack: show.json().stack };
}

/** Updates a stack (PUT, as `as`), waits for the engine and returns its show body. */
export async function updateStack(
  t: TestCloud,
  base: string,
  name: string,
  id: string,
  payload: Record<string, unknown>,
  as = 'admin',
) {
  const put = await t.call({ method: 'PUT', url: `${base}/stacks/${name}/${id}`, as, payload });
  expect(put.statusCode, put.body).toBe(202);
  await t.cloud.tasks.idle();
  return (await t.call({ method: 'GET', url: `${base}/stacks/${name}/${id}`, as })).json().stack;
}

export const hot = (resources: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  heat_template_version: '2018-08-31',
  resources,
  ...extra,
});

/** A public image with a few bytes of data, as servers in tests boot from; returns its id. */
export async function uploadImage(t: TestCloud, name: string): Promise<string> {
  const img = await t.call({
    method: 'POST',
    url: '/image/v2/images',
    as: 'admin',
    payload: { name, disk_format: 'qcow2', container_format: 'bare', visibility: 'public' },
  });
  const id = img.json().id as string;
  await t.call({
    method: 'PUT',
    url: `/image/v2/images/${id}/file`,
    as: 'admin',
    headers: { 'content-type': 'application/octet-stream' },
    payload: Buffer.alloc(512),
  });
  return id;
}
