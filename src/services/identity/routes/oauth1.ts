import type { FastifyInstance } from 'fastify';
import type { Cloud } from '../../../cloud.js';
import { NotImplemented } from '../../../server/errors.js';
import { extraOf, splitExtra } from '../extra.js';
import { description } from '../validate.js';
import { selfLink } from './common.js';
import { simpleCrud } from './simple-crud.js';

// OS-OAUTH1: consumers are kept (CRUD); the delegation flow itself (request
// and access tokens, signed requests) is not served and says so with a 501.

export async function oauth1Routes(app: FastifyInstance, cloud: Cloud) {
  simpleCrud(app, cloud, {
    path: '/v3/OS-OAUTH1/consumers',
    idParam: 'consumer_id',
    member: 'consumer',
    collection: 'consumers',
    table: 'consumers',
    actions: {
      get: 'identity:get_consumer',
      list: 'identity:list_consumers',
      create: 'identity:create_consumer',
      update: 'identity:update_consumer',
      delete: 'identity:delete_consumer',
    },
    createSchema: { type: 'object', properties: { description } },
    updateSchema: { type: 'object', properties: { description }, minProperties: 1 },
    notFound: (id) => `Could not find consumer: ${id}.`,
    secretHashColumn: 'secret_hash',
    toRow: (body, existing) => ({
      description: body.description !== undefined ? body.description : (existing?.description ?? null),
      extra: splitExtra(body, ['description', 'secret'], existing?.extra as string | undefined).extra,
    }),
    view: (req, c) => ({
      ...extraOf(c.extra as string),
      id: c.id,
      description: c.description ?? null,
      links: selfLink(req, `/OS-OAUTH1/consumers/${c.id}`),
    }),
  });

  const notServed = async () => {
    throw new NotImplemented('pocketstack does not serve OAuth1 delegation (request and access tokens).');
  };
  app.post('/v3/OS-OAUTH1/request_token', { config: { public: true } }, notServed);
  app.put('/v3/OS-OAUTH1/authorize/:request_token_id', notServed);
  app.post('/v3/OS-OAUTH1/access_token', { config: { public: true } }, notServed);
  app.get('/v3/users/:user_id/OS-OAUTH1/access_tokens', notServed);
  app.get('/v3/users/:user_id/OS-OAUTH1/access_tokens/:access_token_id', notServed);
  app.delete('/v3/users/:user_id/OS-OAUTH1/access_tokens/:access_token_id', notServed);
  app.get('/v3/users/:user_id/OS-OAUTH1/access_tokens/:access_token_id/roles', notServed);
}
