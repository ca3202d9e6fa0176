import { useState } from 'react';
import { call, upload } from '../../api/client.js';
import type { ApiError } from '../../api/errors.js';
import type { Image } from '../../api/types.js';
import { useImages } from '../../app/data.js';
import { useAction } from '../../app/queries.js';
import { useSession } from '../../app/session.js';
import { ActionMenu } from '../../components/ActionMenu.js';
import { Confirm } from '../../components/Confirm.js';
import { DataTable } from '../../components/DataTable.js';
import { Modal } from '../../components/Modal.js';
import { Field, Page } from '../../components/Page.js';
import { Status } from '../../components/States.js';
import { bytes } from '../../lib/format.js';

const FORMATS = ['qcow2', 'raw', 'iso', 'vmdk', 'vdi', 'vhd', 'vhdx', 'ami', 'ari', 'aki', 'ploop'];

/** A disk format guessed from the file name, as Horizon does. */
export function guessFormat(file: string): string {
  const ext = file.toLowerCase().split('.').pop() ?? '';
  if (FORMATS.includes(ext)) return ext;
  if (ext === 'img') return 'qcow2';
  return 'raw';
}

/** Create Image: Glance's create (queued), then the file PUT with a progress bar. */
function CreateImage({ onClose }: { onClose: () => void }) {
  const session = useSession();
  const [name, setName] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [format, setFormat] = useState('qcow2');
  const [visibility, setVisibility] = useState('private');
  const [progress, setProgress] = useState<{ sent: number; total: number } | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const create = useAction(
    async () => {
      if (!file) return;
      const image = await call<Image>(session, 'image', '/images', {
        method: 'POST',
        body: {
          name,
          disk_format: format,
          container_format: ['ami', 'aki', 'ari'].includes(format) ? format : 'bare',
          visibility,
        },
      });
      setProgress({ sent: 0, total: file.size });
      await upload(session, 'image', `/images/${image.id}/file`, file, (sent, total) => setProgress({ sent, total }));
    },
    { invalidates: [['image']], success: () => `Created image ${name}.`, silent: true },
  );
  const pct = progress?.total ? Math.round((progress.sent / progress.total) * 100) : 0;
  return (
    <Modal
      title="Create Image"
      onClose={onClose}
      submitLabel="Create Image"
      busy={create.isPending}
      error={error ?? create.error}
      canSubmit={!!file && !!name.trim()}
      onSubmit={() => {
        setError(null);
        create.mutate(undefined, { onSuccess: onClose, onError: setError });
      }}
    >
      <Field label="Image Name">
        <input name="name" value={name} onChange={(e) => setName(e.target.value)} required />
      </Field>
      <Field label="File">
        <input
          type="file"
          name="file"
          onChange={(e) => {
            const f = e.target.files?.[0] ?? null;
            setFile(f);
            if (f) {
              setFormat(guessFormat(f.name));
              if (!name) setName(f.name.replace(/\.[^.]+$/, ''));
            }
          }}
        />
      </Field>
      <Field label="Format">
        <select value={format} onChange={(e) => setFormat(e.target.value)}>
          {FORMATS.map((f) => (
            <option key={f}>{f}</option>
          ))}
        </select>
      </Field>
      <Field label="Visibility">
        <select value={visibility} onChange={(e) => setVisibility(e.target.value)}>
          <option value="private">Private</option>
          <option value="shared">Shared</option>
          <option value="community">Community</option>
          <option value="public">Public (admins only)</option>
        </select>
      </Field>
      {progress ? (
        <div className="upload">
          <progress max={100} value={pct} aria-label="Upload progress" />
          <span>
            {pct}% ({bytes(progress.sent)} of {bytes(progress.total)})
          </span>
        </div>
      ) : null}
    </Modal>
  );
}

/** Project → Compute → Images (Admin → Images: every image). */
export function Images({ admin }: { admin?: boolean }) {
  const session = useSession();
  const images = useImages();
  const [creating, setCreating] = useState(false);
  const [deleting, setDeleting] = useState<Image | null>(null);
  const del = useAction((i: Image) => call(session, 'image', `/images/${i.id}`, { method: 'DELETE' }), {
    invalidates: [['image']],
    success: (i) => `Deleted image ${i.name}.`,
    silent: true,
  });
  const rows = admin
    ? images.data
    : images.data?.filter((i) => i.visibility !== 'private' || i.owner === session.project.id);
  return (
    <Page title="Images">
      <DataTable
        label="Images"
        rows={rows}
        loading={images.isLoading}
        error={images.error}
        rowKey={(i) => i.id}
        filterText={(i) => `${i.name} ${i.status} ${i.disk_format}`}
        empty="No images."
        toolbar={
          <button type="button" className="primary" onClick={() => setCreating(true)}>
            Create Image
          </button>
        }
        columns={[
          { header: 'Name', cell: (i) => i.name || <code className="id">{i.id}</code> },
          { header: 'Status', cell: (i) => <Status value={i.status} /> },
          { header: 'Visibility', cell: (i) => i.visibility },
          { header: 'Protected', cell: (i) => (i.protected ? 'Yes' : 'No') },
          { header: 'Disk Format', cell: (i) => i.disk_format?.toUpperCase() ?? '—' },
          { header: 'Size', cell: (i) => bytes(i.size) },
          {
            header: 'Owner',
            cell: (i) =>
              i.owner === session.project.id ? (
                session.project.name
              ) : (
                <code className="id">{i.owner?.slice(0, 8)}</code>
              ),
          },
        ]}
        actions={(i) => (
          <ActionMenu
            label={i.name ?? i.id}
            items={[{ label: 'Delete Image', danger: true, onSelect: () => setDeleting(i), hidden: i.protected }]}
          />
        )}
      />
      {creating ? <CreateImage onClose={() => setCreating(false)} /> : null}
      {deleting ? (
        <Confirm
          title="Confirm Delete Image"
          text={`You have selected "${deleting.name}". Deleted images are not recoverable.`}
          action="Delete Image"
          run={() => del.mutateAsync(deleting)}
          onClose={() => setDeleting(null)}
        />
      ) : null}
    </Page>
  );
}
