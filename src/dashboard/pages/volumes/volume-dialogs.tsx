import { useState } from 'react';
import { call } from '../../api/client.js';
import type { Volume } from '../../api/types.js';
import { names, useImages, useServers, useVolumeSnapshots, useVolumes } from '../../app/data.js';
import { useAction, useApi } from '../../app/queries.js';
import { useSession } from '../../app/session.js';
import { Modal } from '../../components/Modal.js';
import { Field } from '../../components/Page.js';

/** Create Volume: empty, or from an image, a snapshot or another volume. */
export function CreateVolume({ onClose }: { onClose: () => void }) {
  const session = useSession();
  const images = useImages();
  const snaps = useVolumeSnapshots();
  const vols = useVolumes();
  const types = useApi<{ id: string; name: string }[]>('volume', '/types', 'volume_types');
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [size, setSize] = useState(1);
  const [source, setSource] = useState('');
  const [type, setType] = useState('');
  const create = useAction(
    () => {
      const [kind, id] = source.split(':');
      const from =
        kind === 'image'
          ? { imageRef: id }
          : kind === 'snapshot'
            ? { snapshot_id: id }
            : kind === 'volume'
              ? { source_volid: id }
              : {};
      return call(session, 'volume', '/volumes', {
        method: 'POST',
        body: { volume: { name, description, size, ...(type ? { volume_type: type } : {}), ...from } },
      });
    },
    { invalidates: [['volume']], success: () => `Creating volume ${name}.`, silent: true },
  );
  return (
    <Modal
      title="Create Volume"
      onClose={onClose}
      submitLabel="Create Volume"
      busy={create.isPending}
      error={create.error}
      canSubmit={size >= 1}
      onSubmit={() => create.mutate(undefined, { onSuccess: onClose })}
    >
      <Field label="Volume Name">
        <input name="name" value={name} onChange={(e) => setName(e.target.value)} />
      </Field>
      <Field label="Description">
        <input value={description} onChange={(e) => setDescription(e.target.value)} />
      </Field>
      <Field label="Volume Source">
        <select name="source" value={source} onChange={(e) => setSource(e.target.value)}>
          <option value="">No source, empty volume</option>
          <optgroup label="Image">
            {(images.data ?? [])
              .filter((i) => i.status === 'active')
              .map((i) => (
                <option key={i.id} value={`image:${i.id}`}>
                  {i.name || i.id}
                </option>
              ))}
          </optgroup>
          <optgroup label="Snapshot">
            {(snaps.data ?? [])
              .filter((s) => s.status === 'available')
              .map((s) => (
                <option key={s.id} value={`snapshot:${s.id}`}>
                  {s.name || s.id}
                </option>
              ))}
          </optgroup>
          <optgroup label="Volume">
            {(vols.data ?? [])
              .filter((v) => v.status === 'available')
              .map((v) => (
                <option key={v.id} value={`volume:${v.id}`}>
                  {v.name || v.id}
                </option>
              ))}
          </optgroup>
        </select>
      </Field>
      <Field label="Type">
        <select value={type} onChange={(e) => setType(e.target.value)}>
          <option value="">(default)</option>
          {(types.data ?? []).map((t) => (
            <option key={t.id}>{t.name}</option>
          ))}
        </select>
      </Field>
      <Field label="Size (GiB)">
        <input name="size" type="number" min={1} value={size} onChange={(e) => setSize(Number(e.target.value))} />
      </Field>
    </Modal>
  );
}

/** Manage Attachments: attach to an instance (Nova's os-volume_attachments), or detach from one. */
export function ManageAttachments({ volume, onClose }: { volume: Volume; onClose: () => void }) {
  const session = useSession();
  const servers = useServers();
  const serverNames = names(servers.data);
  const [server, setServer] = useState('');
  const candidates = (servers.data ?? []).filter((s) => ['ACTIVE', 'SHUTOFF'].includes(s.status));
  const chosen = server || candidates[0]?.id || '';
  const attach = useAction(
    () =>
      call(session, 'compute', `/servers/${chosen}/os-volume_attachments`, {
        method: 'POST',
        body: { volumeAttachment: { volumeId: volume.id } },
      }),
    {
      invalidates: [['volume'], ['compute']],
      success: () => `Attaching volume ${volume.name || volume.id} to ${serverNames.get(chosen)}.`,
      silent: true,
    },
  );
  const detach = useAction(
    (serverId: string) =>
      call(session, 'compute', `/servers/${serverId}/os-volume_attachments/${volume.id}`, { method: 'DELETE' }),
    {
      invalidates: [['volume'], ['compute']],
      success: (id) => `Detaching volume ${volume.name || volume.id} from ${serverNames.get(id) ?? id}.`,
    },
  );
  const attached = volume.attachments.length > 0;
  return (
    <Modal
      title="Manage Volume Attachments"
      onClose={onClose}
      submitLabel="Attach Volume"
      busy={attach.isPending}
      error={attach.error}
      canSubmit={!!chosen && volume.status === 'available'}
      onSubmit={attached ? undefined : () => attach.mutate(undefined, { onSuccess: onClose })}
    >
      {attached ? (
        <table className="data">
          <thead>
            <tr>
              <th scope="col">Instance</th>
              <th scope="col">Device</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {volume.attachments.map((a) => (
              <tr key={a.server_id}>
                <td>{serverNames.get(a.server_id) ?? a.server_id}</td>
                <td>{a.device}</td>
                <td>
                  <button
                    type="button"
                    className="danger small"
                    onClick={() => detach.mutate(a.server_id, { onSuccess: onClose })}
                  >
                    Detach Volume
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <Field label="Attach to Instance">
          <select name="server" value={chosen} onChange={(e) => setServer(e.target.value)}>
            {candidates.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name} ({s.id.slice(0, 8)})
              </option>
            ))}
          </select>
        </Field>
      )}
      {!attached && candidates.length === 0 ? <p className="field-error">No instance to attach to.</p> : null}
    </Modal>
  );
}

/** Create Volume Snapshot or Create Volume Backup of a volume. */
export function SnapshotOrBackup({
  volume,
  kind,
  onClose,
}: {
  volume: Volume;
  kind: 'snapshot' | 'backup';
  onClose: () => void;
}) {
  const session = useSession();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const inUse = volume.status === 'in-use';
  const run = useAction(
    () =>
      kind === 'snapshot'
        ? call(session, 'volume', '/snapshots', {
            method: 'POST',
            body: { snapshot: { volume_id: volume.id, name, description, force: inUse } },
          })
        : call(session, 'volume', '/backups', {
            method: 'POST',
            body: { backup: { volume_id: volume.id, name, description, force: inUse } },
          }),
    {
      invalidates: [['volume']],
      success: () => `Creating ${kind} ${name || ''} of ${volume.name || volume.id}.`,
      silent: true,
    },
  );
  return (
    <Modal
      title={kind === 'snapshot' ? 'Create Volume Snapshot' : 'Create Volume Backup'}
      onClose={onClose}
      submitLabel={kind === 'snapshot' ? 'Create Volume Snapshot' : 'Create Volume Backup'}
      busy={run.isPending}
      error={run.error}
      onSubmit={() => run.mutate(undefined, { onSuccess: onClose })}
    >
      <Field label={kind === 'snapshot' ? 'Snapshot Name' : 'Backup Name'}>
        <input name="name" value={name} onChange={(e) => setName(e.target.value)} />
      </Field>
      <Field label="Description">
        <input value={description} onChange={(e) => setDescription(e.target.value)} />
      </Field>
      {inUse ? <p className="muted">The volume is attached: the {kind} is taken while it is in use (force).</p> : null}
    </Modal>
  );
}
