import type { Cloud } from '../../cloud.js';
import { backupStore } from '../../drivers/volume/backup-store.js';
import { volumeDriver } from '../../drivers/volume/index.js';
import { vdb } from './store.js';

// Start-up recovery of volume, snapshot and backup files (the rule is in
// README.md, "Crash recovery"). Every slow change is a task queued with the
// record's transitional status, and every write goes to a temporary file
// renamed into place, so what a stop cut short is finished by the task
// running again; here only the files no record names go: temporaries,
// disks of deleted volumes and snapshots, data of deleted backups.
export async function recoverVolumeFiles(cloud: Cloud): Promise<void> {
  const db = vdb(cloud);
  const volumes = new Set((await db.selectFrom('volumes').select('id').execute()).map((r) => r.id));
  const snapshots = new Set((await db.selectFrom('volume_snapshots').select('id').execute()).map((r) => r.id));
  const disks =
    (await volumeDriver(cloud.config).removeOrphans?.((ref) =>
      (ref.kind === 'volume' ? volumes : snapshots).has(ref.id),
    )) ?? [];
  const backups = new Set<string>();
  for (const b of await db.selectFrom('volume_backups').select(['id', 'data_id']).execute())
    backups.add(b.data_id ?? b.id);
  const data = await backupStore(cloud.config).removeOrphans((id) => backups.has(id));
  if (disks.length || data.length) cloud.log.info({ disks, backups: data }, 'volume files recovered after a stop');
}
