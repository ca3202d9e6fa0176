import { describe, expect, it, vi } from 'vitest';
import { takeOver } from '../../src/cloud.js';
import { isBackground } from '../../src/store/postgres.js';
import { testCloud } from '../helpers.js';

// The start-up recovery sweeps are background work, as the task runner's is:
// on PostgreSQL their queries take turns with the requests' for the pool
// (store/postgres.ts). So are they when a process that joined on PostgreSQL
// takes over from a leader that died. The mark is the same on SQLite, where it
// costs nothing.

const seen: Record<string, boolean> = {};

vi.mock('../../src/services/image/recover.js', async (original) => {
  const m = await original<typeof import('../../src/services/image/recover.js')>();
  return {
    ...m,
    recoverImageFiles: async (...a: Parameters<typeof m.recoverImageFiles>) => {
      seen.images = isBackground();
      return m.recoverImageFiles(...a);
    },
  };
});
vi.mock('../../src/services/volume/recover.js', async (original) => {
  const m = await original<typeof import('../../src/services/volume/recover.js')>();
  return {
    ...m,
    recoverVolumeFiles: async (...a: Parameters<typeof m.recoverVolumeFiles>) => {
      seen.volumes = isBackground();
      return m.recoverVolumeFiles(...a);
    },
  };
});
vi.mock('../../src/services/orchestration/engine/task.js', async (original) => {
  const m = await original<typeof import('../../src/services/orchestration/engine/task.js')>();
  return {
    ...m,
    settleOrphans: async (...a: Parameters<typeof m.settleOrphans>) => {
      seen.stacks = isBackground();
      return m.settleOrphans(...a);
    },
  };
});
vi.mock('../../src/services/network/sync.js', async (original) => {
  const m = await original<typeof import('../../src/services/network/sync.js')>();
  return {
    ...m,
    reconcileDataPlane: async (...a: Parameters<typeof m.reconcileDataPlane>) => {
      seen.network = isBackground();
      return m.reconcileDataPlane(...a);
    },
  };
});
vi.mock('../../src/services/compute/servers/restore.js', async (original) => {
  const m = await original<typeof import('../../src/services/compute/servers/restore.js')>();
  return {
    ...m,
    restoreGuests: async (...a: Parameters<typeof m.restoreGuests>) => {
      seen.servers = isBackground();
      return m.restoreGuests(...a);
    },
  };
});

describe('start-up recovery sweeps', () => {
  it('run as background work; requests do not', async () => {
    const t = await testCloud();
    try {
      expect(seen).toEqual({ images: true, volumes: true, stacks: true, network: true, servers: true });
      expect(isBackground()).toBe(false);
      const r = await t.call({ method: 'GET', url: '/compute/v2.1/flavors', as: 'admin' });
      expect(r.statusCode).toBe(200);
    } finally {
      await t.close();
    }
  });

  it('run as background work on a takeover too', async () => {
    const t = await testCloud();
    try {
      for (const k of Object.keys(seen)) delete seen[k];
      await takeOver(t.cloud);
      expect(seen).toEqual({ images: true, volumes: true, stacks: true, network: true, servers: true });
      expect(isBackground()).toBe(false);
    } finally {
      await t.close();
    }
  });
});
