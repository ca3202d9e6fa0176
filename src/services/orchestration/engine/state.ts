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
 * Records one event of a stack. The insert reads nothing of the stack's
 * other events: on PostgreSQL a count of them inside the (SERIALIZABLE)
 * transaction made every two events of a stack written at the same time
 * conflict, and one of them ran again. Whether the stack now holds too many
 * is decided after the commit (`eventsAdded`), as Heat decides it beside the
 * insert rather than with it.
 */
async function addEvent(db: HeatDb, values: EventValues): Promise<void> {
  await db
    .insertInto('heat_events')
    .values({ id: uuid(), ...values } as Insertable<EventRow>)
    .execute();
}

/**
 * What this process knows of each stack's event count: the count read from
 * the store when it first wrote one of the stack's events, plus the events it
 * wrote since. Past max_events_per_stack, one purge at a time per stack.
 * Another process's events are not seen here, so as Heat does, a random 1% of
 * events also count the stack's events in the store.
 */
interface EventCounts {
  known: Map<string, number>;
  purging: Set<string>;
}
const counts = new WeakMap<object, EventCounts>();
/** Stacks whose counts are kept; past it the counts are read again from the store. */
const KNOWN_STACKS = 10_000;

function eventCounts(cloud: Cloud): EventCounts {
  let c = counts.get(cloud);
  if (!c) counts.set(cloud, (c = { known: new Map(), purging: new Set() }));
  return c;
}

async function countEvents(db: HeatDb, stackId: string): Promise<number> {
  const { n } = await db
    .selectFrom('heat_events')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('stack_id', '=', stackId)
    .executeTakeFirstOrThrow();
  return Number(n);
}

/**
 * After an event of the stack committed: when the stack holds
 * max_events_per_stack events, its oldest event_purge_batch_size go (Heat's
 * event_create purge), in a transaction of their own, off the event's.
 */
async function eventsAdded(cloud: Cloud, stackId: string): Promise<void> {
  const c = eventCounts(cloud);
  const known = c.known.get(stackId);
  if (known === undefined || Math.random() < 2 / EVENT_PURGE_BATCH_SIZE) {
    if (c.known.size >= KNOWN_STACKS) c.known.clear();
    c.known.set(stackId, await countEvents(hdb(cloud), stackId));
  } else c.known.set(stackId, known + 1);
  // one purge at a time per stack: what the others add meanwhile is counted, and looked at after it
  while ((c.known.get(stackId) ?? 0) >= MAX_EVENTS_PER_STACK && !c.purging.has(stackId)) {
    c.purging.add(stackId);
    try {
      const counted = c.known.get(stackId) ?? 0;
      const { before, gone } = await purgeOldest(hdb(cloud), stackId);
      // the purge's own count replaces this process's (another's events are in it), plus what came meanwhile
      c.known.set(stackId, before - gone + Math.max(0, (c.known.get(stackId) ?? counted) - counted));
      if (gone === 0) break;
    } finally {
      c.purging.delete(stackId);
    }
  }
}

/** Deletes a stack's oldest event_purge_batch_size events if it holds max_events_per_stack or more. */
async function purgeOldest(db: HeatDb, stackId: string): Promise<{ before: number; gone: number }> {
  return db.transaction().execute(async (trx) => {
    const before = await countEvents(trx, stackId);
    if (before < MAX_EVENTS_PER_STACK) return { before, gone: 0 };
    const last = await trx
      .selectFrom('heat_events')
      .select('seq')
      .where('stack_id', '=', stackId)
      .orderBy('seq')
      .offset(EVENT_PURGE_BATCH_SIZE - 1)
      .limit(1)
      .executeTakeFirstOrThrow();
    const res = await trx
      .deleteFrom('heat_events')
      .where('stack_id', '=', stackId)
      .where('seq', '<=', last.seq)
      .executeTakeFirst();
    return { before, gone: Number(res.numDeletedRows) };
  });
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
  await eventsAdded(cloud, stack.id);
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
  await eventsAdded(cloud, row.stack_id);
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
  await eventsAdded(cloud, row.stack_id);
}
