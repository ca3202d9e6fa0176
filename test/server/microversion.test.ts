import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { toApiError } from '../../src/server/errors.js';
import { negotiateMicroversion } from '../../src/server/microversion.js';

function app() {
  const a = Fastify();
  a.setErrorHandler((err, req, reply) => {
    const e = toApiError(err, req.id);
    reply.code(e.status).send({ message: e.message });
  });
  a.get('/', async (req, reply) => ({
    v: negotiateMicroversion(req, reply, {
      service: 'compute',
      legacyHeader: 'X-OpenStack-Nova-API-Version',
      min: '2.1',
      max: '2.79',
    }).toString(),
  }));
  return a;
}

describe('microversions', () => {
  it('defaults to the minimum and echoes it', async () => {
    const res = await app().inject({ url: '/' });
    expect(res.json().v).toBe('2.1');
    expect(res.headers['openstack-api-version']).toBe('compute 2.1');
  });

  it('honours the modern and the legacy header, and latest', async () => {
    expect((await app().inject({ url: '/', headers: { 'openstack-api-version': 'compute 2.47' } })).json().v).toBe(
      '2.47',
    );
    expect((await app().inject({ url: '/', headers: { 'x-openstack-nova-api-version': '2.26' } })).json().v).toBe(
      '2.26',
    );
    expect((await app().inject({ url: '/', headers: { 'openstack-api-version': 'compute latest' } })).json().v).toBe(
      '2.79',
    );
    // another service's version in the header is not ours
    expect((await app().inject({ url: '/', headers: { 'openstack-api-version': 'volume 3.50' } })).json().v).toBe(
      '2.1',
    );
  });

  it('refuses versions out of range or malformed with 406', async () => {
    const high = await app().inject({ url: '/', headers: { 'openstack-api-version': 'compute 2.200' } });
    expect(high.statusCode).toBe(406);
    const bad = await app().inject({ url: '/', headers: { 'openstack-api-version': 'compute two' } });
    expect(bad.statusCode).toBe(406);
  });
});
