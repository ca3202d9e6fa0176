// Which states are on their way somewhere: lists poll fast while a row is in
// one, slowly otherwise.

const SERVER_STEADY = new Set([
  'ACTIVE',
  'SHUTOFF',
  'ERROR',
  'PAUSED',
  'SUSPENDED',
  'SHELVED_OFFLOADED',
  'SHELVED',
  'RESCUE',
  'VERIFY_RESIZE',
  'SOFT_DELETED',
  'DELETED',
]);
const VOLUME_STEADY = new Set([
  'available',
  'in-use',
  'error',
  'error_deleting',
  'error_restoring',
  'error_extending',
  'error_backing-up',
  'deleted',
]);
const IMAGE_STEADY = new Set(['active', 'killed', 'deleted', 'deactivated', 'queued']);

export interface Stateful {
  status?: string;
  'OS-EXT-STS:task_state'?: string | null;
  stack_status?: string;
}

export function inTransition(r: Stateful, kind: 'server' | 'volume' | 'image' | 'stack' | 'backup'): boolean {
  switch (kind) {
    case 'server':
      return !SERVER_STEADY.has(r.status ?? '') || !!r['OS-EXT-STS:task_state'];
    case 'volume':
    case 'backup':
      return !VOLUME_STEADY.has(r.status ?? '');
    case 'image':
      return !IMAGE_STEADY.has(r.status ?? '');
    case 'stack':
      return (r.stack_status ?? '').endsWith('_IN_PROGRESS');
  }
}

/** Poll interval for a list: 2 s while something moves, 15 s otherwise. */
export function pollInterval<T extends Stateful>(
  rows: T[] | undefined,
  kind: Parameters<typeof inTransition>[1],
): number {
  return rows?.some((r) => inTransition(r, kind)) ? 2000 : 15000;
}

/** A status word's tone for its badge. */
export function tone(status: string | undefined): 'ok' | 'busy' | 'bad' | 'off' {
  const s = (status ?? '').toUpperCase();
  if (/ERROR|FAILED|KILLED/.test(s)) return 'bad';
  if (
    /IN_PROGRESS|BUILD|REBOOT|CREATING|DELETING|ATTACHING|DETACHING|SAVING|QUEUED|UPLOADING|IMPORTING|MIGRAT|RESIZ|BACKING|RESTORING|EXTENDING|PENDING/.test(
      s,
    )
  )
    return 'busy';
  if (/SHUTOFF|DOWN|PAUSED|SUSPENDED|SHELVED|DEACTIVATED|INACTIVE/.test(s)) return 'off';
  return 'ok';
}
