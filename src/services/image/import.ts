import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { Cloud } from '../../cloud.js';
import { BadRequest, Conflict, Forbidden, NotFound } from '../../server/errors.js';
import { now } from '../../server/time.js';
import { toJson } from '../../store/json.js';
import type { Task } from '../../tasks/runner.js';
import { fileSize, receive, stagingPath } from './data.js';
import { recordImportTask, setTaskStatus } from './image-tasks.js';
import { getVisibleImage } from './images.js';
import { type Caller, requireMutable } from './policy.js';
import { enforceQuota } from './quota.js';
import { type Image, idb } from './store.js';
import { storeData, transition } from './upload.js';
import { STORE_ID } from './views.js';

// Interoperable image import: stage data (queued → uploading), then import it
// (uploading → importing → active) with glance-direct; or web-download, which
// fetches a URL (queued → importing → active). The import runs as a durable
// task; a failed one puts the image back to queued and says so in
// os_glance_failed_import, as Glance does.

export const IMPORT_TASK = 'image.import';

interface ImportPayload {
  method: 'glance-direct' | 'web-download';
  uri?: string;
  /** The import's record in image_tasks. */
  taskId?: string;
}

/** PUT /v2/images/{id}/stage */
export async function stageImageData(
  cloud: Cloud,
  caller: Caller,
  id: string,
  source: Readable,
  expectedSize?: number,
): Promise<void> {
  if (caller.projectId) await enforceQuota(cloud, caller.projectId, 'image_stage_total');
  const image = await getVisibleImage(cloud, caller, id);
  requireMutable(caller, image);
  if (image.status !== 'queued')
    throw new Conflict(`Image status transition from ${image.status} to uploading is not allowed`);
  if (!(await transition(cloud, id, 'queued', 'uploading')))
    throw new Conflict('Image status transition from uploading to uploading is not allowed');
  try {
    if (caller.projectId) await enforceQuota(cloud, caller.projectId, 'image_count_uploading');
    if ((await fileSize(stagingPath(cloud, id))) !== undefined)
      throw new Conflict(`The image ${id} has data on staging`);
    const got = await receive(source, stagingPath(cloud, id), expectedSize);
    await idb(cloud).updateTable('images').set({ size: got.size, updated_at: now() }).where('id', '=', id).execute();
  } catch (err) {
    await rm(stagingPath(cloud, id), { force: true });
    await transition(cloud, id, 'uploading', 'queued');
    throw err;
  }
}

/**
 * Checks the URL web-download would fetch as Glance's URI filter does (an
 * http(s) URL). Whether it can be reached is the import task's business: an
 * unreachable one fails the import later, as in Glance.
 */
function checkUri(uri: unknown): string {
  if (typeof uri !== 'string' || uri === '') throw new BadRequest("Import method web-download requires a 'uri'.");
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new BadRequest(`URI for web-download does not pass filtering: ${uri}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new BadRequest(`URI for web-download does not pass filtering: ${uri}`);
  return uri;
}

/** GET the URL; a failure says what went wrong, for the import task's message. */
async function download(uri: string): Promise<Readable> {
  let res: Response;
  try {
    res = await fetch(uri, { signal: AbortSignal.timeout(30 * 60_000) });
  } catch (e) {
    const reason = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).message;
    throw new Error(`web-download cannot reach ${uri} from this host (${reason})`);
  }
  if (!res.ok || !res.body) throw new Error(`GET ${uri} answered ${res.status}`);
  return Readable.fromWeb(res.body as any);
}

function parseImportBody(body: unknown): ImportPayload & { name: string } {
  if (typeof body !== 'object' || body === null) throw new BadRequest('Body expected in request.');
  const method = (body as Record<string, any>).method;
  if (method === undefined) throw new BadRequest("Import request requires a 'method' field.");
  if (typeof method !== 'object' || method === null || method.name === undefined)
    throw new BadRequest("Import request requires a 'name' field.");
  const name = method.name;
  if (!['glance-direct', 'web-download', 'copy-image'].includes(name))
    throw new BadRequest(`Unknown import method name '${name}'.`);
  for (const key of ['all_stores_must_succeed', 'all_stores']) {
    const v = (body as Record<string, unknown>)[key];
    if (v !== undefined && typeof v !== 'boolean') throw new BadRequest(`'${key}' must be boolean value only`);
  }
  return { name, method: name, uri: method.uri };
}

/** POST /v2/images/{id}/import: checks as Glance does, then queues the import (202). */
export async function importImage(
  cloud: Cloud,
  caller: Caller,
  id: string,
  body: unknown,
  requestId?: string,
): Promise<void> {
  const req = parseImportBody(body);
  if (caller.projectId) await enforceQuota(cloud, caller.projectId, 'image_size_total');
  let image: Image;
  try {
    image = await getVisibleImage(cloud, caller, id);
  } catch (e) {
    if (e instanceof NotFound) throw new NotFound(`Image with the given id ${id} was not found`);
    throw e;
  }
  if (image.status === 'active' && req.name !== 'copy-image')
    throw new Conflict('Image with status active cannot be target for import');
  if (req.name === 'copy-image') {
    if (image.status !== 'active') throw new Conflict('Only images with status active can be targeted for copying');
    if (!caller.isAdmin) throw new Forbidden('You are not authorized to complete copy_image action.');
    // With one store the image is in every store already: copying to all is done, to one is refused.
    if ((body as Record<string, unknown>).all_stores !== true)
      throw new BadRequest(`Image is already present at store '${STORE_ID}'`);
    await setImportProps(cloud, id, false);
    return;
  }
  if (req.name === 'web-download' && image.status !== 'queued')
    throw new Conflict(`Image needs to be in 'queued' state to use '${req.name}' method`);
  if (req.name === 'glance-direct' && image.status !== 'uploading')
    throw new Conflict("Image needs to be staged before 'glance-direct' method can be used");
  if (!image.container_format) throw new Conflict("'container_format' needs to be set before import");
  if (!image.disk_format) throw new Conflict("'disk_format' needs to be set before import");
  requireMutable(caller, image);
  const payload: ImportPayload = { method: req.method as ImportPayload['method'] };
  if (req.method === 'web-download') payload.uri = checkUri(req.uri);
  const from = image.status;
  await idb(cloud)
    .transaction()
    .execute(async (trx) => {
      const r = await trx
        .updateTable('images')
        .set({ status: 'importing', updated_at: now() })
        .where('id', '=', id)
        .where('status', '=', from)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0)
        throw new Conflict(`New operation on image '${id}' is not permitted as prior operation is still in progress`);
      await trx
        .insertInto('image_properties')
        .values({ image_id: id, name: 'os_glance_importing_to_stores', value: toJson(STORE_ID) })
        .onConflict((oc) => oc.columns(['image_id', 'name']).doUpdateSet({ value: toJson(STORE_ID) }))
        .execute();
      const input = { image_id: id, import_req: body, backend: [STORE_ID] };
      payload.taskId = await recordImportTask(
        trx,
        id,
        { owner: caller.projectId, userId: caller.userId, requestId },
        input,
      );
      await cloud.tasks.enqueue(IMPORT_TASK, id, payload, trx);
    });
}

/** The import properties Glance leaves: none pending, and the store named in os_glance_failed_import when it failed. */
export async function setImportProps(cloud: Cloud, id: string, failed: boolean) {
  const db = idb(cloud);
  await db.transaction().execute(async (trx) => {
    await trx
      .deleteFrom('image_properties')
      .where('image_id', '=', id)
      .where('name', 'in', ['os_glance_importing_to_stores', 'os_glance_failed_import'])
      .execute();
    await trx
      .insertInto('image_properties')
      .values([
        { image_id: id, name: 'os_glance_importing_to_stores', value: toJson('') },
        { image_id: id, name: 'os_glance_failed_import', value: toJson(failed ? STORE_ID : '') },
      ])
      .execute();
  });
}

/** The durable import work: moves the staged data or the URL's into the store. Idempotent. */
export function importTask(cloud: Cloud) {
  return {
    async run(task: Task<ImportPayload>) {
      const row = await idb(cloud)
        .selectFrom('images')
        .selectAll()
        .where('id', '=', task.resourceId)
        .executeTakeFirst();
      if (row?.status !== 'importing') return;
      if (task.payload.taskId) await setTaskStatus(cloud, task.payload.taskId, 'processing');
      let source: Readable;
      if (task.payload.method === 'glance-direct') {
        source = createReadStream(stagingPath(cloud, row.id));
      } else {
        source = await download(task.payload.uri!);
      }
      await storeData(cloud, row, source, { from: 'importing' });
      await rm(stagingPath(cloud, row.id), { force: true });
      await setImportProps(cloud, row.id, false);
      if (task.payload.taskId) await setTaskStatus(cloud, task.payload.taskId, 'success');
    },
    async failed(task: Task<ImportPayload>, error: Error) {
      const id = task.resourceId;
      if (task.payload.taskId) await setTaskStatus(cloud, task.payload.taskId, 'failure', error.message);
      await rm(stagingPath(cloud, id), { force: true });
      if (await transition(cloud, id, 'importing', 'queued')) await setImportProps(cloud, id, true);
    },
  };
}
