import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Cloud } from '../../../cloud.js';
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
import { metadataSecret, signatureValid } from './signature.js';
import { loadSource } from './source.js';

// The metadata service (nova-api-metadata): what an instance reads from
// http://169.254.169.254. It listens on loopback only and answers only what
// the data plane's metadata proxy (neutron-metadata-agent's part, in
// drivers/network/linux/metadata-proxy.ts) sends: the proxy found the guest's
// port from the namespace and the peer address, and signs the instance id
// with the shared secret (X-Instance-ID, X-Tenant-ID, X-Instance-ID-Signature),
// as Nova does with service_metadata_proxy on. X-Forwarded-For alone proves
// nothing: any local process can write it.

const PASSWORD_MAX = 256;

/** Nova's (webob's) plain-text error body. */
function refuse(reply: FastifyReply, code: 400 | 403 | 404, explanation: string) {
  const title = { 400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found' }[code];
  return reply.code(code).type('text/plain; charset=UTF-8').send(`${code} ${title}\n\n${explanation}\n\n   `);
}

/** The one value of a header, 'many' when it came more than once, undefined when absent. */
function single(req: FastifyRequest, name: string): string | 'many' | undefined {
  const values: string[] = [];
  for (let i = 0; i < req.raw.rawHeaders.length; i += 2)
    if (req.raw.rawHeaders[i].toLowerCase() === name) values.push(req.raw.rawHeaders[i + 1]);
  return values.length > 1 ? 'many' : values[0];
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

function ec2(src: MetadataSource | undefined, tokens: string[]): Answer {
  if (tokens.length === 0 || !src) return { type: 'text', body: [...EC2_VERSIONS, 'latest'].join('\n') };
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

/** The metadata app, separate from the API listener (no Keystone tokens: the proxy's signature identifies the guest). */
export function metadataApp(cloud: Cloud): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 64 * 1024 });
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));

  // Nova's _handle_instance_id_request
  const identify = async (req: FastifyRequest, reply: FastifyReply) => {
    const instanceId = single(req, 'x-instance-id');
    const tenantId = single(req, 'x-tenant-id');
    const signature = single(req, 'x-instance-id-signature');
    let bad: string | undefined;
    if (instanceId === undefined) bad = 'X-Instance-ID header is missing from request.';
    else if (tenantId === undefined) bad = 'X-Tenant-ID header is missing from request.';
    else if (instanceId === 'many') bad = 'Multiple X-Instance-ID headers found within request.';
    else if (tenantId === 'many') bad = 'Multiple X-Tenant-ID headers found within request.';
    if (bad) return void (await refuse(reply, 400, bad));
    if (!signature || signature === 'many' || !signatureValid(metadataSecret(cloud), instanceId!, signature))
      return void (await refuse(reply, 403, 'Invalid proxy request signature.'));
    const row = await cdb(cloud)
      .selectFrom('nova_instances')
      .selectAll()
      .where('uuid', '=', instanceId!)
      .executeTakeFirst();
    // an instance of another project than the proxy said is not found, as in Nova
    if (!row || row.deleted || row.project_id !== tenantId)
      return void (await refuse(reply, 404, 'The resource could not be found.'));
    return parseInstance(row);
  };

  app.get('/*', async (req, reply) => {
    const path = new URL(req.url, 'http://x').pathname.replace(/\/+$/, '');
    const tokens = path.split('/').filter(Boolean);
    // the version list is the same for everyone (Nova answers it before identifying)
    if (tokens.length === 0) return reply.type('text/plain; charset=UTF-8').send(ec2(undefined, [])!.body);
    const instance = await identify(req, reply);
    if (!instance) return reply;
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
  metadataSecret(cloud); // made at first start, before any proxy needs it
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
