import { describe, expect, it, vi } from 'vitest';
import { takeOver } from '../../src/cloud.js';
import { isBackground } from '../../src/store/postgres.js';
import { testCloud } from '../helpers.js';

// The start-up recovery sweeps are background work, as the task runner's is:
// on PostgreSQL their queries take turns with the requests' for the pool
// (store/postgres.ts). So are they when a process that joined on PostgreSQL
// takes over from a leader that died. The mark is the same on SQLite, where it
// costs nothing.

const { seen, marked } = vi.hoisted(() => {
  const seen: Record<string, boolean> = {};
  /** The module with `fn` wrapped to record, under `name`, whether each call runs as background work. */
  async function marked(original: () => Promise<unknown>, fn: string, name: string) {
    const m = (await original()) as Record<string, (...a: unknown[]) => Promise<unknown>>;
    const { isBackground } = await import('../../src/store/postgres.js');
    return {
      ...m,
      [fn]: async (...a: unknown[]) => {
        seen[name] = isBackground();
        return m[fn](...a);
      },
    };
  }
  return { seen, marked };
});

vi.mock('../../src/services/image/recover.js', (original) => marked(original, 'recoverImageFiles', 'images'));
vi.mock('../../src/services/volume/recover.js', (original) => marked(original, 'recoverVolumeFiles', 'volumes'));
vi.mock('../../src/services/orchestration/engine/task.js', (original) => marked(original, 'settleOrphans', 'stacks'));
vi.mock('../../src/services/network/sync.js', (original) => marked(original, 'reconcileDataPlane', 'network'));
vi.mock('../../src/services/compute/servers/restore.js', (original) => marked(original, 'restoreGuests', 'servers'));

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
