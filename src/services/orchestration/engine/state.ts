import type { Insertable } from 'kysely';
import type { Cloud } from '../../../cloud.js';
import { uuid } from '../../../server/ids.js';
import { now } from '../../../server/time.js';
import { toJson } from '../../../store/json.js';
import { type EventRow, type HeatDb, hdb, type ResourceRow, type StackRow } from '../store.js';

// Every state change of a stack or a resource is a row update and an event,
// written together: the event log is the story `stack event list` tells.

export const STACK_EVENT_TYPE = 'OS::Heat::Stack';

/** The statuses an action ends in; Heat writes ACTION_STATUS, e.g. CREATE_COMPLETE. */
export type Status = 'IN_PROGRESS' | 'COMPLETE' | 'FAILED';

/** Work that must commit with a stack's state change (the stack's first insert, its queued task). */
export interface Within {
  before?(trx: HeatDb): Promise<void>;
  after?(trx: HeatDb): Promise<void>;
}

/** Heat's max_events_per_stack: past it, the oldest event_purge_batch_size events of the stack go. */
export const MAX_EVENTS_PER_STACK = 1000;
export const EVENT_PURGE_BATCH_SIZE = 200;

type EventValues = Omit<Insertable<EventRow>, 'id' | 'seq'>;

/**
 * Records one event of a stack, first purging its oldest events when it
 * already holds max_events_per_stack (Heat's event_create; Heat checks on a
 * random 1% of inserts, this on every one, so the count never passes the limit).
 */
async function addEvent(db: HeatDb, values: EventValues): Promise<void> {
  const { n } = await db
    .selectFrom('heat_events')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('stack_id', '=', values.stack_id)
    .executeTakeFirstOrThrow();
  if (Number(n) >= MAX_EVENTS_PER_STACK) {
    const last = await db
      .selectFrom('heat_events')
      .select('seq')
      .where('stack_id', '=', values.stack_id)
      .orderBy('seq')
      .offset(EVENT_PURGE_BATCH_SIZE - 1)
      .limit(1)
      .executeTakeFirst();
    if (last)
      await db.deleteFrom('heat_events').where('stack_id', '=', values.stack_id).where('seq', '<=', last.seq).execute();
  }
  await db
    .insertInto('heat_events')
    .values({ id: uuid(), ...values } as Insertable<EventRow>)
    .execute();
}

export async function setStackState(
  cloud: Cloud,
  stack: StackRow,
  action: string,
  status: Status,
  reason: string,
  extra: Partial<StackRow> = {},
  within: Within = {},
): Promise<void> {
  const at = now();
  const changes: Partial<StackRow> = { action, status, status_reason: reason, ...extra };
  if (action !== 'CREATE') changes.updated_at = extra.updated_at ?? at;
  await hdb(cloud)
    .transaction()
    .execute(async (trx) => {
      await within.before?.(trx);
      await trx.updateTable('heat_stacks').set(changes).where('id', '=', stack.id).execute();
      await addEvent(trx, {
        stack_id: stack.id,
        resource_name: stack.name,
        physical_resource_id: stack.id,
        resource_action: action,
        resource_status: status,
        resource_status_reason: reason,
        resource_type: STACK_EVENT_TYPE,
        resource_properties: '{}',
        created_at: at,
      });
      await within.after?.(trx);
    });
  Object.assign(stack, changes);
}

export async function setResourceState(
  cloud: Cloud,
  row: ResourceRow,
  action: string,
  status: Status,
  reason = 'state changed',
  extra: Partial<ResourceRow> = {},
  eventProperties: Record<string, unknown> = {},
): Promise<void> {
  const at = now();
  const changes: Partial<ResourceRow> = { action, status, status_reason: reason, updated_at: at, ...extra };
  const physical = extra.physical_id !== undefined ? extra.physical_id : row.physical_id;
  await hdb(cloud)
    .transaction()
    .execute(async (trx) => {
      await trx.updateTable('heat_resources').set(changes).where('id', '=', row.id).execute();
      await addEvent(trx, {
        stack_id: row.stack_id,
        resource_name: row.name,
        physical_resource_id: physical ?? '',
        resource_action: action,
        resource_status: status,
        resource_status_reason: reason,
        resource_type: extra.type ?? row.type,
        resource_properties: toJson(eventProperties),
        created_at: at,
      });
    });
  Object.assign(row, changes);
}

/** A resource's row at its INIT state, before the engine first touches it. */
export function newResourceRow(stackId: string, name: string, type: string, requires: string[]): ResourceRow {
  return {
    id: uuid(),
    stack_id: stackId,
    name,
    type,
    action: 'INIT',
    status: 'COMPLETE',
    status_reason: '',
    physical_id: null,
    properties: '{}',
    metadata: '{}',
    data: '{}',
    replaced: '[]',
    requires: toJson(requires),
    created_at: now(),
    updated_at: null,
  };
}

/** An event alone, for a physical resource that no longer has its own row (an update's leftovers). */
export async function resourceEvent(
  cloud: Cloud,
  row: ResourceRow,
  physicalId: string | null,
  type: string,
  action: string,
  status: Status,
  reason = 'state changed',
): Promise<void> {
  await addEvent(hdb(cloud), {
    stack_id: row.stack_id,
    resource_name: row.name,
    physical_resource_id: physicalId ?? '',
    resource_action: action,
    resource_status: status,
    resource_status_reason: reason,
    resource_type: type,
    resource_properties: '{}',
    created_at: now(),
  });
}
