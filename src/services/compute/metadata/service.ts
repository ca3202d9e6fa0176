import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Cloud } from '../../../cloud.js';
import { networkViews } from '../neutron.js';
import { parseInstance, updateInstance } from '../servers/model.js';
import { cdb } from '../store.js';
import {
  EC2_VERSIONS,
  ec2MetaData,
  ec2Version,
  type MetadataSource,
  metaDataJson,
  networkDataJson,
  OPENSTACK_VERSIONS,
  openstackFiles,
  openstackVersion,
  userData,
} from './content.js';
import { loadSource } from './source.js';

// The metadata service (nova-api-metadata): what an instance reads from
// http://169.254.169.254. It listens on loopback only; the data plane's
// proxy (Neutron's metadata agent in OpenStack) forwards each guest request
// with the guest's fixed address in X-Forwarded-For and its network in
// X-Neutron-Network-ID, which is how the instance is found.

const PASSWORD_MAX = 256;

/** The live instance whose port on `networkId` has fixed address `ip`. */
export async function instanceByAddress(cloud: Cloud, networkId: string, ip: string) {
  const db = cdb(cloud);
  const candidates = await db
    .selectFrom('nova_instance_ports')
    .select('instance_uuid')
    .where('network_id', '=', networkId)
    .execute();
  const uuids = [...new Set(candidates.map((c) => c.instance_uuid))];
  if (uuids.length === 0) return undefined;
  const { addresses } = await networkViews(cloud, uuids);
  for (const uuid of uuids) {
    const all = Object.values(addresses.get(uuid) ?? {}).flat();
    if (!all.some((a) => a['OS-EXT-IPS:type'] === 'fixed' && a.addr === ip)) continue;
    const row = await db.selectFrom('nova_instances').selectAll().where('uuid', '=', uuid).executeTakeFirst();
    if (row && !row.deleted) return parseInstance(row);
  }
  return undefined;
}

function ec2Print(data: unknown): string {
  if (Array.isArray(data)) return data.join('\n');
  if (data && typeof data === 'object') {
    return Object.keys(data as object)
      .filter((k) => k !== '_name')
      .sort()
      .map((k) => {
        const v = (data as Record<string, unknown>)[k];
        if (v && typeof v === 'object' && !Array.isArray(v))
          return '_name' in (v as object) ? String((v as { _name: string })._name) : `${k}/`;
        return k;
      })
      .join('\n');
  }
  return String(data);
}

type Answer = { type: 'json' | 'text'; body: string | Buffer } | undefined;

function openstack(src: MetadataSource, tokens: string[]): Answer {
  if (tokens.length === 0) {
    const today = new Date().toISOString().slice(0, 10);
    return { type: 'text', body: [...OPENSTACK_VERSIONS.filter((v) => v <= today), 'latest'].join('\n') };
  }
  const version = openstackVersion(tokens[0]);
  if (!version) return undefined;
  const file = tokens.slice(1).join('/');
  if (file === '') return { type: 'text', body: openstackFiles(src, version).join('\n') };
  if (!openstackFiles(src, version).includes(file)) return undefined;
  switch (file) {
    case 'meta_data.json':
      return { type: 'json', body: JSON.stringify(metaDataJson(src, version)) };
    case 'user_data':
      return { type: 'text', body: userData(src) ?? '' };
    case 'network_data.json':
      return { type: 'json', body: JSON.stringify(networkDataJson(src)) };
    case 'vendor_data.json':
    case 'vendor_data2.json':
      return { type: 'json', body: '{}' };
    case 'password':
      return { type: 'text', body: src.instance.sys.password ?? '' };
  }
  return undefined;
}

function ec2(src: MetadataSource, tokens: string[]): Answer {
  if (tokens.length === 0) return { type: 'text', body: [...EC2_VERSIONS, 'latest'].join('\n') };
  const version = ec2Version(tokens[0]);
  if (!version) return undefined;
  const ud = userData(src);
  let data: unknown = { 'meta-data': ec2MetaData(src, version), ...(ud ? { 'user-data': ud } : {}) };
  for (const t of tokens.slice(1)) {
    if (data && typeof data === 'object' && !Buffer.isBuffer(data) && t in (data as object))
      data = (data as Record<string, unknown>)[t];
    else return undefined;
  }
  if (Buffer.isBuffer(data)) return { type: 'text', body: data };
  return { type: 'text', body: ec2Print(data) };
}

/** The metadata app, separate from the API listener (no Keystone tokens: the guest is identified by address). */
export function metadataApp(cloud: Cloud): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 64 * 1024 });
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));

  const identify = async (req: FastifyRequest, reply: FastifyReply) => {
    const ip = String(req.headers['x-forwarded-for'] ?? '')
      .split(',')[0]
      .trim();
    const network = String(req.headers['x-neutron-network-id'] ?? '');
    if (!ip || !network) {
      reply.code(400).type('text/plain').send('X-Forwarded-For and X-Neutron-Network-ID are required');
      return undefined;
    }
    const instance = await instanceByAddress(cloud, network, ip);
    if (!instance) {
      reply.code(404).type('text/plain').send('404 Not Found\n\nThe resource could not be found.');
      return undefined;
    }
    return instance;
  };

  app.get('/*', async (req, reply) => {
    const instance = await identify(req, reply);
    if (!instance) return reply;
    const path = new URL(req.url, 'http://x').pathname.replace(/\/+$/, '');
    const tokens = path.split('/').filter(Boolean);
    const src = await loadSource(cloud, instance);
    const answer = tokens[0] === 'openstack' ? openstack(src, tokens.slice(1)) : ec2(src, tokens);
    if (!answer) return reply.code(404).type('text/plain').send('404 Not Found\n\nThe resource could not be found.');
    return reply.type(answer.type === 'json' ? 'application/json' : 'text/plain; charset=UTF-8').send(answer.body);
  });

  // A guest posts its encrypted password once (os-server-password shows it).
  app.post('/openstack/:version/password', async (req, reply) => {
    const instance = await identify(req, reply);
    if (!instance) return reply;
    const body = String(req.body ?? '');
    if (instance.sys.password) return reply.code(409).type('text/plain').send('Password already set');
    if (body.length > PASSWORD_MAX) return reply.code(400).type('text/plain').send('Request is too large.');
    await updateInstance(cdb(cloud), instance.uuid, { sys: { ...instance.sys, password: body } });
    return reply.code(200).send();
  });

  return app;
}

const running = new WeakMap<Cloud, { app: FastifyInstance; url: string }>();

/** Starts the metadata listener on loopback (an ephemeral port); its URL is what the data plane proxies to. */
export async function startMetadataListener(cloud: Cloud): Promise<string> {
  const had = running.get(cloud);
  if (had) return had.url;
  const app = metadataApp(cloud);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  const url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  running.set(cloud, { app, url });
  cloud.log.info({ url }, 'metadata service listening');
  return url;
}

/** The metadata listener's URL once started. */
export function metadataUrl(cloud: Cloud): string | undefined {
  return running.get(cloud)?.url;
}

export async function stopMetadataListener(cloud: Cloud): Promise<void> {
  const r = running.get(cloud);
  if (!r) return;
  running.delete(cloud);
  await r.app.close();
}
