import { invalidVolume } from './errors.js';
import type { VolumeRow } from './store.js';

// The volume status machine as data: which statuses each action accepts,
// where it leads, and Cinder's words when it is refused
// (cinder/volume/api.py conditional_update calls).

export type VolumeAction =
  | 'delete'
  | 'force_delete'
  | 'extend'
  | 'snapshot'
  | 'backup'
  | 'restore'
  | 'upload_image'
  | 'revert'
  | 'retype'
  | 'clone'
  | 'reserve'
  | 'attachment_reserve'
  | 'attach'
  | 'begin_detaching'
  | 'roll_detaching'
  | 'transfer'
  | 'readonly';

export interface ActionRule {
  /** Statuses the action accepts. */
  from: readonly string[];
  /** The status the volume takes; null keeps it. */
  to: string | null;
  /** Cinder's reason, given the volume and the statuses allowed. */
  refusal(v: VolumeRow, allowed: readonly string[]): string;
}

const statusMust = (v: VolumeRow, allowed: readonly string[]) =>
  `Volume ${v.id} status must be ${allowed.join(', ')}, but current status is: ${v.status}.`;
const orList = (allowed: readonly string[]) =>
  allowed.length === 1 ? allowed[0] : `${allowed.slice(0, -1).join(', ')} or ${allowed[allowed.length - 1]}`;

export const DELETABLE = ['available', 'error', 'error_restoring', 'error_extending', 'error_managing'] as const;

export const VOLUME_ACTIONS: Record<VolumeAction, ActionRule> = {
  delete: {
    from: DELETABLE,
    to: 'deleting',
    refusal: (_v, allowed) =>
      `Volume status must be ${orList(allowed)} and must not be migrating, attached, belong to a group, have snapshots, awaiting a transfer, or be disassociated from snapshots after volume transfer.`,
  },
  force_delete: {
    from: [
      ...DELETABLE,
      'creating',
      'in-use',
      'reserved',
      'attaching',
      'detaching',
      'error_deleting',
      'deleting',
      'backing-up',
      'restoring-backup',
      'downloading',
      'uploading',
      'extending',
      'reverting',
      'retyping',
      'maintenance',
      'awaiting-transfer',
    ],
    to: 'deleting',
    refusal: (_v) => 'Volume must not be migrating, attached, belong to a group or have snapshots.',
  },
  extend: {
    from: ['available'],
    to: 'extending',
    refusal: (v, allowed) =>
      `Volume ${v.id} status must be '${allowed.join("' or '")}' to extend, currently ${v.status}.`,
  },
  snapshot: { from: ['available'], to: null, refusal: statusMust },
  backup: {
    from: ['available'],
    to: 'backing-up',
    refusal: (_v, allowed) =>
      `Volume to be backed up must be ${allowed.join(' or ')}, but the current status is "${_v.status}".`,
  },
  restore: {
    from: ['available'],
    to: 'restoring-backup',
    refusal: (v) => `Volume to be restored to must be available, but the current status is "${v.status}".`,
  },
  upload_image: {
    from: ['available'],
    to: 'uploading',
    refusal: (v, allowed) => `Volume ${v.id} status must be ${orList(allowed)}`,
  },
  revert: {
    from: ['available'],
    to: 'reverting',
    refusal: (v) => `Volume ${v.id} status must be available, but current status is: ${v.status}.`,
  },
  retype: {
    from: ['available', 'in-use'],
    to: 'retyping',
    refusal: (v) =>
      `Retype needs volume to be in available or in-use state, not be part of an active migration or a consistency group, requested type has to be different that the one from the volume, but current status is: ${v.status}.`,
  },
  clone: {
    from: ['available', 'in-use'],
    to: null,
    refusal: (v) =>
      `Unable to create a volume from an originating source volume when its status is not 'available' or 'in-use' (current status: ${v.status}).`,
  },
  reserve: {
    from: ['available'],
    to: 'attaching',
    refusal: (v, allowed) => `Volume status must be ${orList(allowed)} to reserve, but the status is ${v.status}.`,
  },
  attachment_reserve: {
    from: ['available', 'downloading'],
    to: 'reserved',
    refusal: (v, allowed) =>
      `Volume ${v.id} status must be ${orList(allowed)} to reserve, but the current status is ${v.status}.`,
  },
  attach: {
    from: ['attaching', 'reserved', 'in-use'],
    to: 'in-use',
    refusal: (v) => `Volume ${v.id} status must be attaching or reserved to attach, but the status is ${v.status}.`,
  },
  begin_detaching: {
    from: ['in-use'],
    to: 'detaching',
    refusal: () =>
      "Unable to detach volume. Volume status must be 'in-use' and attach_status must be 'attached' to detach.",
  },
  roll_detaching: { from: ['detaching'], to: 'in-use', refusal: statusMust },
  transfer: {
    from: ['available'],
    to: 'awaiting-transfer',
    refusal: (v) => `Volume ${v.id} status must be available, but current status is: ${v.status}.`,
  },
  readonly: {
    from: ['available', 'in-use', 'reserved', 'attaching', 'detaching', 'creating', 'error'],
    to: null,
    refusal: statusMust,
  },
};

/**
 * The statuses `action` accepts for this volume: multiattach volumes may be
 * reserved while in use; force lets snapshots, backups and uploads take
 * in-use volumes; 3.42 extends in-use volumes.
 */
export function allowedFrom(
  action: VolumeAction,
  v: VolumeRow,
  opts: { force?: boolean; inUse?: boolean } = {},
): readonly string[] {
  const base = VOLUME_ACTIONS[action].from;
  if ((action === 'reserve' || action === 'attachment_reserve') && v.multiattach) return [...base, 'in-use'];
  if ((action === 'snapshot' || action === 'backup' || action === 'upload_image') && opts.force)
    return [...base, 'in-use'];
  if (action === 'extend' && opts.inUse) return [...base, 'in-use'];
  return base;
}

/** Throws Cinder's 400 when the volume's status does not allow the action; returns the status to move to. */
export function checkTransition(
  action: VolumeAction,
  v: VolumeRow,
  opts: { force?: boolean; inUse?: boolean } = {},
): string {
  const allowed = allowedFrom(action, v, opts);
  const rule = VOLUME_ACTIONS[action];
  if (!allowed.includes(v.status)) throw invalidVolume(rule.refusal(v, allowed));
  return rule.to ?? v.status;
}

/** Snapshot statuses that may be deleted (Cinder: available or error, plus error_deleting for retries). */
export const SNAPSHOT_DELETABLE = ['available', 'error', 'error_deleting'] as const;
