import { useState } from 'react';
import { call } from '../../api/client.js';
import type { Backup } from '../../api/types.js';
import { names, useBackups, useVolumes } from '../../app/data.js';
import { useAction } from '../../app/queries.js';
import { useSession } from '../../app/session.js';
import { ActionMenu } from '../../components/ActionMenu.js';
import { Confirm } from '../../components/Confirm.js';
import { DataTable } from '../../components/DataTable.js';
import { Page } from '../../components/Page.js';
import { Status } from '../../components/States.js';
import { since } from '../../lib/format.js';

/** Project → Volumes → Backups: list, restore to a new volume, delete. */
export function Backups() {
  const session = useSession();
  const backups = useBackups();
  const volumes = names(useVolumes().data);
  const [deleting, setDeleting] = useState<Backup | null>(null);
  const del = useAction((b: Backup) => call(session, 'volume', `/backups/${b.id}`, { method: 'DELETE' }), {
    invalidates: [['volume']],
    success: (b) => `Scheduled deletion of backup ${b.name || b.id}.`,
    silent: true,
  });
  const restore = useAction(
    (b: Backup) =>
      call(session, 'volume', `/backups/${b.id}/restore`, {
        method: 'POST',
        body: { restore: { name: `${b.name || b.id}-restored` } },
      }),
    { invalidates: [['volume']], success: (b) => `Restoring backup ${b.name || b.id} to a new volume.` },
  );
  return (
    <Page title="Volume Backups">
      <DataTable
        label="Volume Backups"
        rows={backups.data}
        loading={backups.isLoading}
        error={backups.error}
        rowKey={(b) => b.id}
        filterText={(b) => `${b.name} ${b.status}`}
        empty="No backups. Back a volume up from its actions."
        columns={[
          { header: 'Name', cell: (b) => b.name || <code className="id">{b.id}</code> },
          { header: 'Description', cell: (b) => b.description || <span className="muted">—</span> },
          { header: 'Size', cell: (b) => `${b.size} GiB` },
          { header: 'Status', cell: (b) => <Status value={b.status} /> },
          { header: 'Incremental', cell: (b) => (b.is_incremental ? 'Yes' : 'No') },
          { header: 'Volume Name', cell: (b) => volumes.get(b.volume_id) ?? b.volume_id },
          { header: 'Created', cell: (b) => since(b.created_at) },
        ]}
        actions={(b) => (
          <ActionMenu
            label={b.name || b.id}
            items={[
              { label: 'Restore Backup', onSelect: () => restore.mutate(b), hidden: b.status !== 'available' },
              { label: 'Delete Volume Backup', danger: true, onSelect: () => setDeleting(b) },
            ]}
          />
        )}
      />
      {deleting ? (
        <Confirm
          title="Confirm Delete Volume Backup"
          text={`You have selected "${deleting.name || deleting.id}".`}
          action="Delete Volume Backup"
          run={() => del.mutateAsync(deleting)}
          onClose={() => setDeleting(null)}
        />
      ) : null}
    </Page>
  );
}
