import { expect } from 'vitest';
import type { TestCloud } from '../../helpers.js';

/** A Neutron call through the app: `as` a seeded user ("demo", "alt_demo", default admin). */
export function neutron(t: TestCloud) {
  return async (method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, payload?: unknown, as = 'admin') => {
    const res = await t.call({
      method,
      url: `/networking/v2.0/${path}`,
      as,
      ...(payload !== undefined ? { payload: payload as object } : {}),
    });
    return { status: res.statusCode, body: res.body ? res.json() : undefined };
  };
}

/** Asserts Neutron's error body with the given status and type. */
export function expectNeutronError(res: { status: number; body: any }, status: number, type: string) {
  expect(res.status).toBe(status);
  expect(res.body.NeutronError.type).toBe(type);
  expect(typeof res.body.NeutronError.message).toBe('string');
  expect(res.body.NeutronError.detail).toBe('');
}
