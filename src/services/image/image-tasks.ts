import type { Kysely, Migration } from 'kysely';
import type { Cloud } from '../../cloud.js';
import { uuid } from '../../server/ids.js';
import { isoMicrosNoZone, now } from '../../server/time.js';
import { fromJson, toJson } from '../../store/json.js';
import { getVisibleImage } from './images.js';
import type { Caller } from './policy.js';

// The record of each import, as Glance keeps it (its api_image_import tasks)
// and shows it at GET /v2/images/{id}/tasks: what was asked, by which
// request, and how it ended — the place a failed import says why.

/** How long a finished task stays listed (Glance's task_time_to_live). */
const TIME_TO_LIVE_MS = 48 * 3600 * 1000;

export const imageTaskMigrations: Record<string, Migration> = {
  'image/0003_image_tasks': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('image_tasks')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('image_id', 'text', (c) => c.notNull().references('images.id').onDelete('cascade'))
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('owner', 'text')
        .addColumn('user_id', 'text')
        .addColumn('request_id', 'text')
        .addColumn('input', 'text', (c) => c.notNull())
        .addColumn('result', 'text')
        .addColumn('message', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text')
        .execute();
      await db.schema.createIndex('image_tasks_image').on('image_tasks').column('image_id').execute();
    },
  },
};

export type TaskStatus = 'pending' | 'processing' | 'success' | 'failure';

interface ImageTaskRow {
  id: string;
  image_id: string;
  type: string;
  status: TaskStatus;
  owner: string | null;
  user_id: string | null;
  request_id: string | null;
  input: string;
  result: string | null;
  message: string;
  created_at: string;
  updated_at: string;
  expires_at: string | null;
}

type TaskDb = Kysely<{ image_tasks: ImageTaskRow }>;

/** Records a pending import of the image (in the caller's transaction); returns the task id. */
export async function recordImportTask(
  db: Kysely<any>,
  imageId: string,
  who: { owner?: string; userId?: string; requestId?: string },
  input: unknown,
): Promise<string> {
  const at = now();
  const id = uuid();
  await (db as TaskDb)
    .insertInto('image_tasks')
    .values({
      id,
      image_id: imageId,
      type: 'api_image_import',
      status: 'pending',
      owner: who.owner ?? null,
      user_id: who.userId ?? null,
      request_id: who.requestId ?? null,
      input: toJson(input),
      result: null,
      message: '',
      created_at: at,
      updated_at: at,
      expires_at: null,
    })
    .execute();
  return id;
}

export async function setTaskStatus(cloud: Cloud, id: string, status: TaskStatus, message = ''): Promise<void> {
  const at = now();
  const done = status === 'success' || status === 'failure';
  await (cloud.db as TaskDb)
    .updateTable('image_tasks')
    .set({
      status,
      message,
      updated_at: at,
      ...(done ? { expires_at: new Date(Date.now() + TIME_TO_LIVE_MS).toISOString() } : {}),
      ...(status === 'success' ? { result: toJson({}) } : {}),
    })
    .where('id', '=', id)
    .execute();
}

/** GET /v2/images/{id}/tasks: the image's unexpired tasks, for whoever may see the image. */
export async function listImageTasks(cloud: Cloud, caller: Caller, imageId: string) {
  await getVisibleImage(cloud, caller, imageId);
  const rows = await (cloud.db as TaskDb)
    .selectFrom('image_tasks')
    .selectAll()
    .where('image_id', '=', imageId)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>=', now())]))
    .orderBy('created_at')
    .execute();
  return {
    tasks: rows.map((t) => ({
      id: t.id,
      type: t.type,
      status: t.status,
      owner: t.owner,
      expires_at: t.expires_at ? isoMicrosNoZone(t.expires_at) : null,
      created_at: isoMicrosNoZone(t.created_at),
      updated_at: isoMicrosNoZone(t.updated_at),
      deleted_at: null,
      deleted: false,
      image_id: t.image_id,
      request_id: t.request_id,
      user_id: t.user_id,
      input: fromJson(t.input, {}),
      result: fromJson(t.result, null),
      message: t.message,
    })),
  };
}
