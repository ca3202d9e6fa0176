// Snapshots in the volume service's in-process API: part of internal.ts,
// which re-exports them; other services import internal.ts, not this file.

import type { Cloud } from '../../cloud.js';
import type { AuthContext } from '../../server/auth.js';
import { authorize, callerOfToken } from './policy.js';
import { deleteSnapshot as removeSnapshot, createSnapshot as snapshot } from './snapshots.js';
import { type SnapshotRow, vdb } from './store.js';

/** What compute needs to know of a snapshot. */
export interface SnapshotInfo {
  id: string;
  projectId: string;
  volumeId: string;
  name: string | null;
  description: string | null;
  /** Cinder status: creating, available, deleting, error, ... */
  status: string;
  /** GiB (the volume's size). */
  size: number;
  /** When it was made (ISO 8601, as stored). */
  createdAt: string;
}

function snapshotInfoOf(row: SnapshotRow): SnapshotInfo {
  return {
    id: row.id,
    projectId: row.project_id,
    volumeId: row.volume_id,
    name: row.name,
    description: row.description,
    status: row.status,
    size: row.size,
    createdAt: row.created_at,
  };
}

/** A snapshot, or undefined. Pass projectId to see only that project's snapshots (what a non-admin may see). */
export async function getSnapshot(
  cloud: Cloud,
  snapshotId: string,
  projectId?: string,
): Promise<SnapshotInfo | undefined> {
  const row = await vdb(cloud)
    .selectFrom('volume_snapshots')
    .selectAll()
    .where('id', '=', snapshotId)
    .executeTakeFirst();
  return row && (projectId === undefined || row.project_id === projectId) ? snapshotInfoOf(row) : undefined;
}

/**
 * A project's snapshots, oldest first, without those being deleted: what
 * Nova's volume proxy (os-snapshots) lists for its caller.
 */
export async function listSnapshots(cloud: Cloud, projectId: string): Promise<SnapshotInfo[]> {
  const rows = await vdb(cloud)
    .selectFrom('volume_snapshots')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('status', '!=', 'deleting')
    .orderBy('created_at')
    .execute();
  return rows.map(snapshotInfoOf);
}

/**
 * Snapshots a volume (Nova's os-snapshots proxy) as Cinder before 3.66 does:
 * an in-use volume only with force. Status `creating`; policy, visibility
 * and quota are checked for the token.
 */
export async function createSnapshot(
  cloud: Cloud,
  opts: { auth: AuthContext; volumeId: string; force: boolean; name?: string; description?: string },
): Promise<SnapshotInfo> {
  const caller = callerOfToken(opts.auth);
  authorize(caller, 'member', 'volume:create_snapshot');
  const row = await snapshot(cloud, caller, {
    volumeId: opts.volumeId,
    force: opts.force,
    allowInUse: false,
    name: opts.name ?? null,
    description: opts.description ?? null,
  });
  return snapshotInfoOf(row);
}

/**
 * Starts deleting a snapshot as the token given (policy and visibility
 * apply: another project's snapshot is a 404; one not available or in
 * error is a 400).
 */
export async function deleteSnapshot(cloud: Cloud, snapshotId: string, auth: AuthContext): Promise<void> {
  const caller = callerOfToken(auth);
  authorize(caller, 'member', 'volume:delete_snapshot');
  await removeSnapshot(cloud, caller, snapshotId);
}
