import { Conflict } from '../../server/errors.js';

// The server state machine as tables, in Nova's words: vm_state is what the
// instance is, task_state what is being done to it, and the API status is a
// function of both (nova/api/openstack/common.py _STATE_MAP). Which action a
// state allows is the second table (the check_instance_state decorators of
// nova/compute/api.py); anything else is a 409 with Nova's message.

export const VmState = {
  ACTIVE: 'active',
  BUILDING: 'building',
  PAUSED: 'paused',
  SUSPENDED: 'suspended',
  STOPPED: 'stopped',
  RESCUED: 'rescued',
  RESIZED: 'resized',
  SOFT_DELETED: 'soft-delete',
  DELETED: 'deleted',
  ERROR: 'error',
  SHELVED: 'shelved',
  SHELVED_OFFLOADED: 'shelved_offloaded',
} as const;
export type VmStateValue = (typeof VmState)[keyof typeof VmState];

export const TaskState = {
  SCHEDULING: 'scheduling',
  BLOCK_DEVICE_MAPPING: 'block_device_mapping',
  NETWORKING: 'networking',
  SPAWNING: 'spawning',
  IMAGE_SNAPSHOT: 'image_snapshot',
  IMAGE_SNAPSHOT_PENDING: 'image_snapshot_pending',
  IMAGE_PENDING_UPLOAD: 'image_pending_upload',
  IMAGE_UPLOADING: 'image_uploading',
  IMAGE_BACKUP: 'image_backup',
  UPDATING_PASSWORD: 'updating_password',
  RESIZE_PREP: 'resize_prep',
  RESIZE_MIGRATING: 'resize_migrating',
  RESIZE_MIGRATED: 'resize_migrated',
  RESIZE_FINISH: 'resize_finish',
  RESIZE_REVERTING: 'resize_reverting',
  RESIZE_CONFIRMING: 'resize_confirming',
  REBOOTING: 'rebooting',
  REBOOT_PENDING: 'reboot_pending',
  REBOOT_STARTED: 'reboot_started',
  REBOOTING_HARD: 'rebooting_hard',
  REBOOT_PENDING_HARD: 'reboot_pending_hard',
  REBOOT_STARTED_HARD: 'reboot_started_hard',
  PAUSING: 'pausing',
  UNPAUSING: 'unpausing',
  SUSPENDING: 'suspending',
  RESUMING: 'resuming',
  POWERING_OFF: 'powering-off',
  POWERING_ON: 'powering-on',
  RESCUING: 'rescuing',
  UNRESCUING: 'unrescuing',
  REBUILDING: 'rebuilding',
  REBUILD_BLOCK_DEVICE_MAPPING: 'rebuild_block_device_mapping',
  REBUILD_SPAWNING: 'rebuild_spawning',
  MIGRATING: 'migrating',
  DELETING: 'deleting',
  SOFT_DELETING: 'soft-deleting',
  RESTORING: 'restoring',
  SHELVING: 'shelving',
  SHELVING_IMAGE_PENDING_UPLOAD: 'shelving_image_pending_upload',
  SHELVING_IMAGE_UPLOADING: 'shelving_image_uploading',
  SHELVING_OFFLOADING: 'shelving_offloading',
  UNSHELVING: 'unshelving',
} as const;
export type TaskStateValue = (typeof TaskState)[keyof typeof TaskState];

const T = TaskState;
const REBOOT = { [T.REBOOTING]: 'REBOOT', [T.REBOOT_PENDING]: 'REBOOT', [T.REBOOT_STARTED]: 'REBOOT' };
const HARD_REBOOT = {
  [T.REBOOTING_HARD]: 'HARD_REBOOT',
  [T.REBOOT_PENDING_HARD]: 'HARD_REBOOT',
  [T.REBOOT_STARTED_HARD]: 'HARD_REBOOT',
};
const REBUILD = {
  [T.REBUILDING]: 'REBUILD',
  [T.REBUILD_BLOCK_DEVICE_MAPPING]: 'REBUILD',
  [T.REBUILD_SPAWNING]: 'REBUILD',
};
const RESIZE = {
  [T.RESIZE_PREP]: 'RESIZE',
  [T.RESIZE_MIGRATING]: 'RESIZE',
  [T.RESIZE_MIGRATED]: 'RESIZE',
  [T.RESIZE_FINISH]: 'RESIZE',
};

/** (vm_state, task_state) → API status. */
const STATUS: Record<string, Record<string, string>> = {
  [VmState.ACTIVE]: {
    default: 'ACTIVE',
    ...REBOOT,
    ...HARD_REBOOT,
    [T.UPDATING_PASSWORD]: 'PASSWORD',
    ...REBUILD,
    [T.MIGRATING]: 'MIGRATING',
    ...RESIZE,
  },
  [VmState.BUILDING]: { default: 'BUILD' },
  [VmState.STOPPED]: { default: 'SHUTOFF', ...RESIZE, ...REBUILD },
  [VmState.RESIZED]: { default: 'VERIFY_RESIZE', [T.RESIZE_REVERTING]: 'REVERT_RESIZE' },
  [VmState.PAUSED]: { default: 'PAUSED', [T.MIGRATING]: 'MIGRATING' },
  [VmState.SUSPENDED]: { default: 'SUSPENDED' },
  [VmState.RESCUED]: { default: 'RESCUE' },
  [VmState.ERROR]: { default: 'ERROR', ...REBUILD },
  [VmState.DELETED]: { default: 'DELETED' },
  [VmState.SOFT_DELETED]: { default: 'SOFT_DELETED' },
  [VmState.SHELVED]: { default: 'SHELVED' },
  [VmState.SHELVED_OFFLOADED]: { default: 'SHELVED_OFFLOADED' },
};

export function statusOf(vmState: string, taskState: string | null): string {
  const m = STATUS[vmState];
  if (!m) return 'UNKNOWN';
  return (taskState && m[taskState]) || m.default;
}

/** The (vm_state, task_state) pairs a status filter means (task_and_vm_state_from_status). */
export function statesForStatus(status: string): { vmStates: string[]; taskStates: (string | null)[] } {
  const vmStates = new Set<string>();
  const taskStates = new Set<string | null>();
  for (const [vm, map] of Object.entries(STATUS)) {
    for (const [task, s] of Object.entries(map)) {
      if (s.toLowerCase() !== status.toLowerCase()) continue;
      vmStates.add(vm);
      taskStates.add(task === 'default' ? null : task);
    }
  }
  return { vmStates: [...vmStates], taskStates: [...taskStates] };
}

const V = VmState;
/**
 * What each action needs: the vm_states it may start from and the
 * task_states (null = no task running). `lock: true` means a locked server
 * refuses it to non-admins. `launched: false` means it may act on a server
 * that never finished booting.
 */
export interface ActionRule {
  vmStates?: string[];
  taskStates?: (string | null)[] | 'any';
  lock: boolean;
  launched?: boolean;
}

const IDLE = [null];
export const ACTIONS: Record<string, ActionRule> = {
  delete: { taskStates: 'any', lock: true, launched: false },
  forceDelete: { taskStates: 'any', lock: true, launched: false },
  restore: { vmStates: [V.SOFT_DELETED], lock: true },
  stop: { vmStates: [V.ACTIVE, V.ERROR], lock: true },
  start: { vmStates: [V.STOPPED], lock: true },
  reboot_soft: { vmStates: [V.ACTIVE], taskStates: IDLE, lock: true },
  reboot_hard: {
    vmStates: [V.ACTIVE, V.STOPPED, V.PAUSED, V.SUSPENDED, V.ERROR],
    taskStates: [
      null,
      T.REBOOTING,
      T.REBOOT_PENDING,
      T.REBOOT_STARTED,
      T.REBOOTING_HARD,
      T.REBOOT_PENDING_HARD,
      T.REBOOT_STARTED_HARD,
    ],
    lock: true,
  },
  pause: { vmStates: [V.ACTIVE], lock: true },
  unpause: { vmStates: [V.PAUSED], lock: true },
  suspend: { vmStates: [V.ACTIVE], lock: true },
  resume: { vmStates: [V.SUSPENDED], lock: false },
  rescue: { vmStates: [V.ACTIVE, V.STOPPED, V.ERROR], lock: true },
  unrescue: { vmStates: [V.RESCUED], lock: true },
  resize: { vmStates: [V.ACTIVE, V.STOPPED], lock: true },
  confirmResize: { vmStates: [V.RESIZED], lock: true },
  revertResize: { vmStates: [V.RESIZED], lock: true },
  rebuild: { vmStates: [V.ACTIVE, V.STOPPED, V.ERROR], lock: true },
  createImage: { vmStates: [V.ACTIVE, V.STOPPED, V.PAUSED, V.SUSPENDED], lock: false },
  createBackup: { vmStates: [V.ACTIVE, V.STOPPED, V.PAUSED, V.SUSPENDED], lock: false },
  shelve: { vmStates: [V.ACTIVE, V.STOPPED, V.PAUSED, V.SUSPENDED], lock: true },
  shelveOffload: { vmStates: [V.SHELVED], lock: true },
  unshelve: { vmStates: [V.SHELVED, V.SHELVED_OFFLOADED], lock: true },
  changePassword: { vmStates: [V.ACTIVE], lock: true },
  live_migrate: { vmStates: [V.ACTIVE, V.PAUSED], lock: true },
  trigger_crash_dump: { vmStates: [V.ACTIVE, V.PAUSED, V.RESCUED, V.RESIZED, V.ERROR], lock: true },
  attach_volume: {
    vmStates: [V.ACTIVE, V.PAUSED, V.STOPPED, V.RESIZED, V.SOFT_DELETED, V.SHELVED, V.SHELVED_OFFLOADED],
    lock: true,
  },
  detach_volume: {
    vmStates: [V.ACTIVE, V.PAUSED, V.STOPPED, V.RESIZED, V.SOFT_DELETED, V.SHELVED, V.SHELVED_OFFLOADED],
    lock: true,
  },
  attach_interface: {
    vmStates: [V.ACTIVE, V.PAUSED, V.STOPPED],
    lock: true,
  },
  detach_interface: {
    vmStates: [V.ACTIVE, V.PAUSED, V.STOPPED],
    lock: true,
  },
  update_metadata: { vmStates: [V.ACTIVE, V.PAUSED, V.SUSPENDED, V.STOPPED], taskStates: IDLE, lock: true },
  lock: { taskStates: 'any', lock: false, launched: false },
  unlock: { taskStates: 'any', lock: false, launched: false },
  addSecurityGroup: { taskStates: 'any', lock: false, launched: false },
  removeSecurityGroup: { taskStates: 'any', lock: false, launched: false },
};

export interface StateView {
  uuid: string;
  vm_state: string;
  task_state: string | null;
  locked: number;
  launched_at: string | null;
}

/**
 * Throws Nova's 409 when `action` is not allowed now. `apiName` is the name
 * the user knows the action by (Nova's messages say 'stop', 'createImage').
 */
export function checkAction(
  server: StateView,
  action: keyof typeof ACTIONS,
  isAdmin: boolean,
  apiName: string = action,
): void {
  const rule = ACTIONS[action];
  if (rule.lock && server.locked && !isAdmin) throw new Conflict(`Instance ${server.uuid} is locked`);
  const invalid = (attr: string, state: string | null) =>
    new Conflict(`Cannot '${apiName}' instance ${server.uuid} while it is in ${attr} ${state ?? 'None'}`);
  if (rule.vmStates && !rule.vmStates.includes(server.vm_state)) throw invalid('vm_state', server.vm_state);
  const tasks = rule.taskStates ?? IDLE;
  if (tasks !== 'any' && !tasks.includes(server.task_state)) throw invalid('task_state', server.task_state);
  if (rule.launched !== false && !server.launched_at) throw invalid('launched_at', null);
}
