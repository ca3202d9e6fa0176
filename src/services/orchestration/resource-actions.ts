import { timingSafeEqual } from 'node:crypto';
import type { Cloud } from '../../cloud.js';
import { fromJson } from '../../store/json.js';
import { loadRun } from './engine/operations.js';
import { failureReason } from './engine/run.js';
import { resourceEvent, setResourceState } from './engine/state.js';
import { HeatError } from './errors.js';
import { getResourceRow, type StackRow } from './store.js';

// What a user (or a wait condition's holder) does to one resource directly:
// signal it, or mark it unhealthy so the next update replaces it.

export const resourceNotFound = (name: string, stack: string) =>
  new HeatError(404, `The Resource (${name}) could not be found in Stack ${stack}.`, 'ResourceNotFound');

export async function signalResource(cloud: Cloud, s: StackRow, name: string, details: unknown): Promise<void> {
  const run = await loadRun(cloud, s);
  const row = run.rows.get(name);
  if (!row) throw resourceNotFound(name, s.name);
  const plugin = run.plugin(row.type);
  if (!plugin.signal) throw new HeatError(400, 'signal is not supported for resource.', 'ResourceActionNotSupported');
  if (row.action === 'INIT')
    throw new HeatError(400, `Signal resource during ${row.action} is not supported.`, 'NotSupported');
  let text: string | undefined;
  try {
    text = await plugin.signal(run.context(row), details);
  } catch (e) {
    throw new HeatError(400, failureReason(name, e).replace(/^ValueError: resources\.[^:]+: /, ''), 'ValueError');
  }
  await resourceEvent(
    cloud,
    row,
    row.physical_id,
    row.type,
    'SIGNAL',
    row.status as 'COMPLETE',
    `Signal: ${text ?? ''}`,
  );
}

/** A wait condition handle's own token lets its holder signal it without a Keystone token. */
export async function signalTokenMatches(cloud: Cloud, s: StackRow, name: string, token: string): Promise<boolean> {
  const row = await getResourceRow(cloud, s.id, name);
  const expected = row ? fromJson<{ token?: string }>(row.data, {}).token : undefined;
  if (!expected) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

export async function markUnhealthy(cloud: Cloud, s: StackRow, name: string, mark: boolean, reason: string) {
  const row = await getResourceRow(cloud, s.id, name);
  if (!row) throw resourceNotFound(name, s.name);
  if (s.status === 'IN_PROGRESS')
    throw new HeatError(409, `Stack ${s.name} already has an action (${s.action}) in progress.`, 'ActionInProgress');
  if (mark)
    await setResourceState(cloud, row, 'CHECK', 'FAILED', reason || 'state changed by resource_mark_unhealthy api');
  else if (row.action === 'CHECK' && row.status === 'FAILED')
    await setResourceState(cloud, row, 'CHECK', 'COMPLETE', reason || 'state changed by resource_mark_unhealthy api');
}
