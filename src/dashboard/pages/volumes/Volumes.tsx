import { useState } from 'react';
import { call } from '../../api/client.js';
import type { Volume } from '../../api/types.js';
import { names, useServers, useVolumeSnapshots, useVolumes } from '../../app/data.js';
import { useAction } from '../../app/queries.js';
import { useSession } from '../../app/session.js';
import { ActionMenu } from '../../components/ActionMenu.js';
import { Confirm } from '../../components/Confirm.js';
import { DataTable } from '../../components/DataTable.js';
import { Page } from '../../components/Page.js';
import { ProjectName } from '../../components/ProjectName.js';
import { Status } from '../../components/States.js';
import { CreateVolume, ManageAttachments, SnapshotOrBackup } from './volume-dialogs.js';

/** Horizon's DeleteVolume: only these states, and never a volume that has snapshots (Cinder would refuse). */
const DELETABLE = ['available', 'error', 'error_extending'];

type Dialog = { kind: 'attach' | 'snapshot' | 'backup' | 'delete'; volume: Volume } | { kind: 'create' } | null;

/** Project → Volumes → Volumes (Admin → Volumes across projects). */
export function Volumes({ admin }: { admin?: boolean }) {
  const session = useSession();
  const volumes = useVolumes(admin);
  const servers = names(useServers(admin).data);
  const snapshotted = new Set((useVolumeSnapshots(admin).data ?? []).map((s) => s.volume_id));
  const [dialog, setDialog] = useState<Dialog>(null);
  const del = useAction((v: Volume) => call(session, 'volume', `/volumes/${v.id}`, { method: 'DELETE' }), {
    invalidates: [['volume']],
    success: (v) => `Scheduled deletion of volume ${v.name || v.id}.`,
    silent: true,
  });
  const close = () => setDialog(null);
  return (
    <Page title="Volumes">
      <DataTable
        label="Volumes"
        rows={volumes.data}
        loading={volumes.isLoading}
        error={volumes.error}
        rowKey={(v) => v.id}
        filterText={(v) => `${v.name} ${v.status} ${v.description ?? ''}`}
        empty="No volumes."
        toolbar={
          admin ? null : (
            <button type="button" className="primary" onClick={() => setDialog({ kind: 'create' })}>
              Create Volume
            </button>
          )
        }
        columns={[
          ...(admin
            ? [
                {
                  header: 'Project',
                  cell: (v: Volume) => <ProjectName id={v['os-vol-tenant-attr:tenant_id']} />,
                },
              ]
            : []),
          { header: 'Name', cell: (v) => v.name || <code className="id">{v.id}</code> },
          { header: 'Description', cell: (v) => v.description || <span className="muted">—</span> },
          { header: 'Size', cell: (v) => `${v.size} GiB` },
          { header: 'Status', cell: (v) => <Status value={v.status} /> },
          { header: 'Type', cell: (v) => v.volume_type ?? '—' },
          {
            header: 'Attached To',
            cell: (v) =>
              v.attachments
                .map((a) => `${servers.get(a.server_id) ?? a.server_id}${a.device ? ` on ${a.device}` : ''}`)
                .join(', ') || <span className="muted">—</span>,
          },
          { header: 'Availability Zone', cell: (v) => v.availability_zone ?? '—' },
          { header: 'Bootable', cell: (v) => (v.bootable === 'true' ? 'Yes' : 'No') },
        ]}
        actions={(v) => (
          <ActionMenu
            label={v.name || v.id}
            items={[
              {
                label: 'Manage Attachments',
                onSelect: () => setDialog({ kind: 'attach', volume: v }),
                hidden: !['available', 'in-use'].includes(v.status),
              },
              {
                label: 'Create Snapshot',
                onSelect: () => setDialog({ kind: 'snapshot', volume: v }),
                hidden: !['available', 'in-use'].includes(v.status),
              },
              {
                label: 'Create Backup',
                onSelect: () => setDialog({ kind: 'backup', volume: v }),
                hidden: !['available', 'in-use'].includes(v.status),
              },
              {
                label: 'Delete Volume',
                danger: true,
                onSelect: () => setDialog({ kind: 'delete', volume: v }),
                hidden: !DELETABLE.includes(v.status) || snapshotted.has(v.id),
              },
            ]}
          />
        )}
      />
      {dialog?.kind === 'create' ? <CreateVolume onClose={close} /> : null}
      {dialog?.kind === 'attach' ? <ManageAttachments volume={dialog.volume} onClose={close} /> : null}
      {dialog?.kind === 'snapshot' || dialog?.kind === 'backup' ? (
        <SnapshotOrBackup volume={dialog.volume} kind={dialog.kind} onClose={close} />
      ) : null}
      {dialog?.kind === 'delete' ? (
        <Confirm
          title="Confirm Delete Volume"
          text={`You have selected "${dialog.volume.name || dialog.volume.id}". Deleted volumes are not recoverable.`}
          action="Delete Volume"
          run={() => del.mutateAsync(dialog.volume)}
          onClose={close}
        />
      ) : null}
    </Page>
  );
}
