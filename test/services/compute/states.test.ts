import { describe, expect, it } from 'vitest';
import { checkAction, statesForStatus, statusOf } from '../../../src/services/compute/states.js';

const server = (vm_state: string, task_state: string | null = null, locked = 0) => ({
  uuid: 'u1',
  vm_state,
  task_state,
  locked,
  launched_at: '2024-01-01T00:00:00Z',
});

describe('compute: server states', () => {
  it("maps vm_state and task_state to Nova's statuses", () => {
    expect(statusOf('building', 'scheduling')).toBe('BUILD');
    expect(statusOf('active', null)).toBe('ACTIVE');
    expect(statusOf('active', 'rebooting')).toBe('REBOOT');
    expect(statusOf('active', 'rebooting_hard')).toBe('HARD_REBOOT');
    expect(statusOf('active', 'powering-off')).toBe('ACTIVE');
    expect(statusOf('stopped', null)).toBe('SHUTOFF');
    expect(statusOf('stopped', 'resize_prep')).toBe('RESIZE');
    expect(statusOf('resized', null)).toBe('VERIFY_RESIZE');
    expect(statusOf('resized', 'resize_reverting')).toBe('REVERT_RESIZE');
    expect(statusOf('rescued', null)).toBe('RESCUE');
    expect(statusOf('error', 'rebuilding')).toBe('REBUILD');
    expect(statusOf('nonsense', null)).toBe('UNKNOWN');
  });

  it('turns a status filter back into states', () => {
    expect(statesForStatus('shutoff').vmStates).toEqual(['stopped']);
    expect(statesForStatus('REBOOT').taskStates.sort()).toEqual(['reboot_pending', 'reboot_started', 'rebooting']);
  });

  it("refuses actions a state forbids with Nova's 409 messages", () => {
    expect(() => checkAction(server('stopped'), 'stop', false)).toThrow(
      "Cannot 'stop' instance u1 while it is in vm_state stopped",
    );
    expect(() => checkAction(server('active', 'image_snapshot'), 'reboot_soft', false, 'reboot')).toThrow(
      "Cannot 'reboot' instance u1 while it is in task_state image_snapshot",
    );
    expect(() => checkAction(server('active'), 'start', false)).toThrow(/vm_state active/);
    expect(() => checkAction(server('active'), 'stop', false)).not.toThrow();
    expect(() =>
      checkAction({ ...server('building', 'scheduling'), launched_at: null }, 'delete', false),
    ).not.toThrow();
    expect(() => checkAction({ ...server('active'), launched_at: null }, 'pause', false)).toThrow(/launched_at None/);
  });

  it('lets only admins act on a locked server', () => {
    expect(() => checkAction(server('active', null, 1), 'stop', false)).toThrow('Instance u1 is locked');
    expect(() => checkAction(server('active', null, 1), 'stop', true)).not.toThrow();
    // resume and snapshots ignore the lock, as in Nova
    expect(() => checkAction(server('suspended', null, 1), 'resume', false)).not.toThrow();
  });
});
