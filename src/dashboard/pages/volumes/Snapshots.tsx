import { useState } from 'react';
import { call } from '../../api/client.js';
import type { VolumeSnapshot } from '../../api/types.js';
import { names, useVolumeSnapshots, useVolumes } from '../../app/data.js';
import { useAction } from '../../app/queries.js';
import { useSession } from '../../app/session.js';
import { ActionMenu } from '../../components/ActionMenu.js';
import { Confirm } from '../../components/Confirm.js';
import { DataTable } from '../../components/DataTable.js';
import { Page } from '../../components/Page.js';
import { ProjectName } from '../../components/ProjectName.js';
import { Status } from '../../components/States.js';
import { since } from '../../lib/format.js';

/** Project → Volumes → Snapshots (Admin: across projects). */
export function Snapshots({ admin }: { admin?: boolean }) {
  const session = useSession();
  const snaps = useVolumeSnapshots(admin);
  const volumes = names(useVolumes(admin).data);
  const [deleting, setDeleting] = useState<VolumeSnapshot | null>(null);
  const del = useAction((s: VolumeSnapshot) => call(session, 'volume', `/snapshots/${s.id}`, { method: 'DELETE' }), {
    invalidates: [['volume']],
    success: (s) => `Scheduled deletion of snapshot ${s.name || s.id}.`,
    silent: true,
  });
  const fromSnapshot = useAction(
    (s: VolumeSnapshot) =>
      call(session, 'volume', '/volumes', {
        method: 'POST',
        body: { volume: { name: `${s.name || s.id}-volume`, size: s.size, snapshot_id: s.id } },
      }),
    { invalidates: [['volume']], success: (s) => `Creating a volume from snapshot ${s.name || s.id}.` },
  );
  return (
    <Page title="Volume Snapshots">
      <DataTable
        label="Volume Snapshots"
        rows={snaps.data}
        loading={snaps.isLoading}
        error={snaps.error}
        rowKey={(s) => s.id}
        filterText={(s) => `${s.name} ${s.status}`}
        empty="No volume snapshots. Take one from a volume's actions."
        columns={[
          ...(admin
            ? [
                {
                  header: 'Project',
                  cell: (s: VolumeSnapshot) => <ProjectName id={s['os-extended-snapshot-attributes:project_id']} />,
                },
              ]
            : []),
          { header: 'Name', cell: (s) => s.name || <code className="id">{s.id}</code> },
          { header: 'Description', cell: (s) => s.description || <span className="muted">—</span> },
          { header: 'Size', cell: (s) => `${s.size} GiB` },
          { header: 'Status', cell: (s) => <Status value={s.status} /> },
          { header: 'Volume Name', cell: (s) => volumes.get(s.volume_id) ?? s.volume_id },
          { header: 'Created', cell: (s) => since(s.created_at) },
        ]}
        actions={(s) => (
          <ActionMenu
            label={s.name || s.id}
            items={[
              {
                label: 'Create Volume',
                onSelect: () => fromSnapshot.mutate(s),
                hidden: admin || s.status !== 'available',
              },
              { label: 'Delete Volume Snapshot', danger: true, onSelect: () => setDeleting(s) },
            ]}
          />
        )}
      />
      {deleting ? (
        <Confirm
          title="Confirm Delete Volume Snapshot"
          text={`You have selected "${deleting.name || deleting.id}".`}
          action="Delete Volume Snapshot"
          run={() => del.mutateAsync(deleting)}
          onClose={() => setDeleting(null)}
        />
      ) : null}
    </Page>
  );
}
