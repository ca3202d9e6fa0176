import type { FastifyInstance } from 'fastify';
import type { Cloud } from '../../../cloud.js';
import { uuid } from '../../../server/ids.js';
import { fromJson } from '../../../store/json.js';
import { loadRun } from '../engine/operations.js';
import { stackOutputs } from '../engine/outputs.js';
import { HeatError } from '../errors.js';
import { callerOf, checkTenant } from '../lookup.js';
import { previewStack, previewUpdate } from '../preview.js';
import { readInstantiation, stackName } from '../request.js';
import { stackAction } from '../stacks.js';
import { hdb, type StackRow, stackResources } from '../store.js';
import { type Environment, environmentJson } from '../template/environment.js';
import { isMap } from '../template/scope.js';
import { base, stackOf } from './common.js';

// The parts of one stack: its template, environment, files and outputs;
// actions; abandon and export; previews; snapshots (not yet).

/** What abandon and export return: enough to adopt the stack elsewhere. */
async function stackData(cloud: Cloud, s: StackRow) {
  const rows = await stackResources(cloud, s.id);
  return {
    id: s.id,
    name: s.name,
    action: s.action,
    status: s.status,
    template: fromJson(s.template, {}),
    environment: fromJson(s.environment, {}),
    files: fromJson(s.files, {}),
    project_id: s.project_id,
    stack_user_project_id: s.project_id,
    tags: fromJson(s.tags, null),
    resources: Object.fromEntries(
      rows.map((r) => [
        r.name,
        {
          name: r.name,
          type: r.type,
          action: r.action,
          status: r.status,
          resource_id: r.physical_id,
          metadata: fromJson(r.metadata, {}),
          resource_data: fromJson(r.data, {}),
        },
      ]),
    ),
  };
}

/** Forgets a stack and its nested stacks, leaving their physical resources alone. */
async function forget(cloud: Cloud, id: string): Promise<void> {
  const children = await hdb(cloud).selectFrom('heat_stacks').select('id').where('owner_id', '=', id).execute();
  for (const c of children) await forget(cloud, c.id);
  await hdb(cloud)
    .transaction()
    .execute(async (trx) => {
      await trx.deleteFrom('heat_resources').where('stack_id', '=', id).execute();
      await trx.deleteFrom('heat_events').where('stack_id', '=', id).execute();
      await trx.deleteFrom('heat_stacks').where('id', '=', id).execute();
    });
}

export async function stackPartRoutes(app: FastifyInstance, cloud: Cloud) {
  const P = '/v1/:tenant/stacks/:name/:id';

  app.get(`${P}/template`, async (req) => fromJson((await stackOf(cloud, req, { showDeleted: true })).template, {}));
  app.get(`${P}/environment`, async (req) =>
    environmentJson(
      fromJson<Environment>((await stackOf(cloud, req, { showDeleted: true })).environment, {} as Environment),
    ),
  );
  app.get(`${P}/files`, async (req) => fromJson((await stackOf(cloud, req, { showDeleted: true })).files, {}));

  app.get(`${P}/outputs`, async (req) => {
    const run = await loadRun(cloud, await stackOf(cloud, req));
    return { outputs: await stackOutputs(run, undefined, false) };
  });
  app.get(`${P}/outputs/:key`, async (req) => {
    const key = (req.params as { key: string }).key;
    const run = await loadRun(cloud, await stackOf(cloud, req));
    const [out] = await stackOutputs(run, [key]);
    if (!out) throw new HeatError(404, `Specified output key ${key} not found.`, 'NotFound');
    return { output: out };
  });

  app.post(`${P}/actions`, async (req, reply) => {
    const s = await stackOf(cloud, req, { write: true });
    await stackAction(cloud, s, req.body);
    return reply.code(200).send();
  });

  app.delete(`${P}/abandon`, async (req) => {
    const s = await stackOf(cloud, req, { write: true });
    if (s.status === 'IN_PROGRESS')
      throw new HeatError(409, `Stack ${s.name} already has an action (${s.action}) in progress.`, 'ActionInProgress');
    const data = await stackData(cloud, s);
    await forget(cloud, s.id);
    return data;
  });
  app.get(`${P}/export`, async (req) => stackData(cloud, await stackOf(cloud, req)));

  app.post('/v1/:tenant/stacks/preview', async (req) => {
    checkTenant(req, (req.params as { tenant: string }).tenant);
    const data = (isMap(req.body) ? req.body : {}) as Record<string, unknown>;
    const name = stackName(data);
    const inst = await readInstantiation(req.body);
    const identity = { id: uuid(), name, projectId: req.auth.projectId! };
    return { stack: await previewStack(cloud, callerOf(req.auth), inst, identity, base(req), req.auth.userName) };
  });
  for (const method of ['PUT', 'PATCH'] as const) {
    app.route({
      method,
      url: `${P}/preview`,
      handler: async (req) => {
        const s = await stackOf(cloud, req);
        const inst = await readInstantiation(req.body, method === 'PATCH');
        return { resource_changes: await previewUpdate(cloud, req.auth, s, inst, method === 'PATCH', base(req)) };
      },
    });
  }

  const noSnapshots = async () => {
    throw new HeatError(501, 'Stack snapshots are not supported by pocketstack yet.', 'NotSupported');
  };
  app.get(`${P}/snapshots`, noSnapshots);
  app.post(`${P}/snapshots`, noSnapshots);
  app.get(`${P}/snapshots/:snapshot`, noSnapshots);
  app.delete(`${P}/snapshots/:snapshot`, noSnapshots);
  app.post(`${P}/snapshots/:snapshot/restore`, noSnapshots);
}
