import { now } from '../../../server/time.js';
import { fromJson, toJson } from '../../../store/json.js';
import type { NovaRequest } from '../api.js';
import type { ComputeDb } from '../store.js';

// Instance actions and their events (os-instance-actions): every request
// that changes a server records an action; the work done for it records
// events, whose result says whether it worked.

export interface ActionEvent {
  event: string;
  start_time: string;
  finish_time: string | null;
  result: 'Success' | 'Error' | null;
  traceback: string | null;
  host: string | null;
  details: string | null;
}

/** Who asked: the request's user and project and its request id. */
export interface Asker {
  userId: string;
  projectId: string;
  requestId: string;
}

export function askerOf(req: NovaRequest): Asker {
  return { userId: req.auth.userId, projectId: req.auth.projectId ?? '', requestId: req.requestId };
}

export async function recordAction(db: ComputeDb, instanceUuid: string, action: string, who: Asker): Promise<number> {
  const at = now();
  const res = await db
    .insertInto('nova_instance_actions')
    .values({
      instance_uuid: instanceUuid,
      action,
      request_id: who.requestId,
      user_id: who.userId,
      project_id: who.projectId,
      start_time: at,
      finish_time: null,
      message: null,
      updated_at: at,
      events: '[]',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(res.id);
}

/** Appends a finished event to an action; an error also marks the action as failed. */
export async function recordEvent(
  db: ComputeDb,
  actionId: number | undefined,
  event: string,
  started: string,
  host: string | null,
  error?: Error,
): Promise<void> {
  if (actionId === undefined) return;
  const row = await db
    .selectFrom('nova_instance_actions')
    .select('events')
    .where('id', '=', actionId)
    .executeTakeFirst();
  if (!row) return;
  const events = fromJson<ActionEvent[]>(row.events, []);
  const at = now();
  events.push({
    event,
    start_time: started,
    finish_time: at,
    result: error ? 'Error' : 'Success',
    traceback: error ? (error.stack ?? error.message) : null,
    host,
    details: error ? error.message : null,
  });
  await db
    .updateTable('nova_instance_actions')
    .set({ events: toJson(events), updated_at: at, ...(error ? { message: 'Error' } : {}) })
    .where('id', '=', actionId)
    .execute();
}
