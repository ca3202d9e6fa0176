import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Cloud } from '../../cloud.js';
import { BadRequest, NotFound, UnsupportedMediaType } from '../../server/errors.js';
import { OSLO_BODY_LIMIT, osloTooLarge } from '../../server/limits.js';
import { negotiateMicroversion } from '../../server/microversion.js';
import { background } from '../../store/postgres.js';
import type { Service } from '../service.js';
import { checkMemberWrites, MICROVERSIONS } from './api.js';
import { computeDriver, startComputeDriver } from './driver.js';
import { formatError } from './errors.js';
import { seedFlavors } from './flavors.js';
import { seedServices } from './host.js';
import { startMetadataListener, stopMetadataListener } from './metadata/service.js';
import { migrations } from './migrations.js';
import { aggregateRoutes } from './routes/aggregates.js';
import { consolePageRoutes, consoleRoutes } from './routes/consoles.js';
import { extensionRoutes } from './routes/extensions.js';
import { flavorExtraRoutes } from './routes/flavor-extras.js';
import { flavorRoutes } from './routes/flavors.js';
import { floatingIpProxyRoutes } from './routes/floating-ips.js';
import { hostAdminRoutes } from './routes/host-admin.js';
import { hostRoutes } from './routes/hosts.js';
import { imageProxyRoutes } from './routes/images.js';
import { interfaceRoutes } from './routes/interfaces.js';
import { keypairRoutes } from './routes/keypairs.js';
import { networkProxyRoutes } from './routes/networks-proxy.js';
import { quotaRoutes } from './routes/quotas.js';
import { securityGroupProxyRoutes } from './routes/security-groups.js';
import { serverActionRoutes } from './routes/server-actions.js';
import { serverDataRoutes } from './routes/server-data.js';
import { serverGroupRoutes } from './routes/server-groups.js';
import { serverInfoRoutes } from './routes/server-info.js';
import { serverRoutes } from './routes/servers.js';
import { usageRoutes } from './routes/usage.js';
import { versionRoutes } from './routes/versions.js';
import { volumeAttachmentRoutes } from './routes/volume-attachments.js';
import { volumeProxyRoutes } from './routes/volumes-proxy.js';
import { registerBuildTasks } from './servers/build.js';
import { registerOperationTasks } from './servers/operations.js';
import { startPowerSync } from './servers/power-sync.js';
import { restoreGuests } from './servers/restore.js';
import { cdb } from './store.js';

/**
 * Nova reads every request body as JSON (nova/api/openstack/wsgi.py:
 * get_content_type): with no Content-Type or text/plain as well as with
 * application/json; another media type is a 415 "Unsupported Content-Type",
 * a body that is not JSON a 400 "Malformed request body".
 */
function novaBodyParser(app: FastifyInstance): void {
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser('*', { parseAs: 'string' }, (req, body, done) => {
    const type = String(req.headers['content-type'] ?? '')
      .split(';')[0]
      .trim()
      .toLowerCase();
    if (type !== '' && type !== 'text/plain')
      return done(new UnsupportedMediaType('Unsupported Content-Type'), undefined);
    const text = body as string;
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(new BadRequest('Malformed request body'), undefined);
    }
  });
}

/**
 * Nova's dispatcher reads an action's name from the body before any handler
 * runs (wsgi.py: action_peek): Python's len() of what the JSON holds;
 * anything but one (an object's keys, a list's items, a string's characters)
 * is a 400 "Malformed request body"; a value len() refuses (a number, true,
 * null), or one item that has no keys (["x"], "x"), raises a TypeError or
 * AttributeError that Nova answers with a bare 404.
 */
function actionBodyCheck(req: FastifyRequest): void {
  if (req.method !== 'POST' || !req.url.split('?')[0].endsWith('/action') || req.body === undefined) return;
  const body = req.body;
  const size =
    typeof body === 'string'
      ? [...body].length
      : Array.isArray(body)
        ? body.length
        : typeof body === 'object' && body !== null
          ? Object.keys(body).length
          : undefined;
  if (size === undefined) throw new NotFound('The resource could not be found.');
  if (size !== 1) throw new BadRequest('Malformed request body');
  if (typeof body !== 'object' || Array.isArray(body)) throw new NotFound('The resource could not be found.');
}

/** Every /compute/v2.1 route, each request negotiated to a microversion first. */
async function v21(app: FastifyInstance, cloud: Cloud) {
  novaBodyParser(app);
  app.addHook('onRequest', async (req, reply) => {
    // Nova names the request id twice; Tempest and novaclient read this one
    reply.header('x-compute-request-id', req.id);
  });
  app.addHook('preHandler', async (req, reply) => {
    negotiateMicroversion(req, reply, MICROVERSIONS);
    checkMemberWrites(req.auth, req.method, req.url);
    actionBodyCheck(req);
  });
  await extensionRoutes(app);
  await flavorRoutes(app, cloud);
  await flavorExtraRoutes(app, cloud);
  await keypairRoutes(app, cloud);
  await quotaRoutes(app, cloud);
  await hostRoutes(app, cloud);
  await serverRoutes(app, cloud);
  await serverActionRoutes(app, cloud);
  await consoleRoutes(app, cloud);
  await serverDataRoutes(app, cloud);
  await serverInfoRoutes(app, cloud);
  await serverGroupRoutes(app, cloud);
  await securityGroupProxyRoutes(app, cloud);
  await volumeAttachmentRoutes(app, cloud);
  await aggregateRoutes(app, cloud);
  await imageProxyRoutes(app, cloud);
  await usageRoutes(app, cloud);
  await hostAdminRoutes(app, cloud);
  await volumeProxyRoutes(app, cloud);
  await networkProxyRoutes(app, cloud);
  await interfaceRoutes(app, cloud);
  await floatingIpProxyRoutes(app, cloud);
}

/** First start: DevStack's flavors and the one host's services. Later starts change nothing. */
async function bootstrap(cloud: Cloud): Promise<void> {
  const db = cdb(cloud);
  const seeded = await db.selectFrom('nova_services').select('id').limit(1).executeTakeFirst();
  if (!seeded) {
    await db.transaction().execute(async (trx) => {
      await seedFlavors(trx);
      await seedServices(trx);
    });
  }
  await startComputeDriver(cloud, async () => {
    driverStarted.add(cloud);
    if (cloud.leadership.leading) await background(() => resume(cloud));
  });
}

const driverStarted = new WeakSet<Cloud>();

/** Leader only: orphan guests removed, the power sync started, guests restored. */
async function resume(cloud: Cloud): Promise<void> {
  // not started yet (the host being prepared): the driver's start does it
  if (!driverStarted.has(cloud)) return;
  const db = cdb(cloud);
  // guests of instances that are gone (a delete a stop cut short, a build of a deleted instance)
  const known = new Set(
    (await db.selectFrom('nova_instances').select('uuid').where('deleted', '=', 0).execute()).map((r) => r.uuid),
  );
  await computeDriver(cloud).removeOrphans?.((uuid) => known.has(uuid));
  startPowerSync(cloud);
  await restoreGuests(cloud);
}

export const compute: Service = {
  name: 'compute',
  path: '/compute',
  bodyLimit: OSLO_BODY_LIMIT,
  sizeLimitFirst: true,
  tooLarge: osloTooLarge,
  catalog: [{ type: 'compute', name: 'nova', path: '/compute/v2.1' }],
  migrations,
  formatError,
  async register(app, cloud) {
    registerBuildTasks(cloud);
    registerOperationTasks(cloud);
    app.addHook('onClose', () => stopMetadataListener(cloud));
    app.addHook('onClose', async () => {
      await computeDriver(cloud).stop?.();
    });
    await versionRoutes(app);
    await consolePageRoutes(app, cloud);
    await app.register(async (scope) => v21(scope, cloud), { prefix: '/v2.1' });
  },
  bootstrap,
  resume,
  onListen: async (cloud) => {
    await startMetadataListener(cloud);
  },
};
