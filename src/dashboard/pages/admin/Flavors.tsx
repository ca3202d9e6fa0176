import { useState } from 'react';
import { call } from '../../api/client.js';
import type { Flavor } from '../../api/types.js';
import { useFlavors } from '../../app/data.js';
import { useAction } from '../../app/queries.js';
import { useSession } from '../../app/session.js';
import { ActionMenu } from '../../components/ActionMenu.js';
import { Confirm } from '../../components/Confirm.js';
import { DataTable } from '../../components/DataTable.js';
import { Modal } from '../../components/Modal.js';
import { Field, Page } from '../../components/Page.js';
import { megabytes } from '../../lib/format.js';

function CreateFlavor({ onClose }: { onClose: () => void }) {
  const session = useSession();
  const [f, setF] = useState({ name: '', vcpus: 1, ram: 512, disk: 1 });
  const create = useAction(
    () => call(session, 'compute', '/flavors', { method: 'POST', body: { flavor: { ...f, id: null } } }),
    { invalidates: [['compute', '/flavors']], success: () => `Created flavor ${f.name}.`, silent: true },
  );
  const num = (k: 'vcpus' | 'ram' | 'disk', label: string) => (
    <Field label={label}>
      <input
        type="number"
        min={k === 'disk' ? 0 : 1}
        value={f[k]}
        onChange={(e) => setF({ ...f, [k]: Number(e.target.value) })}
      />
    </Field>
  );
  return (
    <Modal
      title="Create Flavor"
      onClose={onClose}
      submitLabel="Create Flavor"
      busy={create.isPending}
      error={create.error}
      canSubmit={!!f.name.trim()}
      onSubmit={() => create.mutate(undefined, { onSuccess: onClose })}
    >
      <Field label="Name">
        <input value={f.name} onChange={(e) => setF({ ...f, name: e.target.value })} required />
      </Field>
      {num('vcpus', 'VCPUs')}
      {num('ram', 'RAM (MB)')}
      {num('disk', 'Root Disk (GB)')}
    </Modal>
  );
}

/** Admin → Compute → Flavors. */
export function Flavors() {
  const session = useSession();
  const flavors = useFlavors();
  const [creating, setCreating] = useState(false);
  const [deleting, setDeleting] = useState<Flavor | null>(null);
  const del = useAction((f: Flavor) => call(session, 'compute', `/flavors/${f.id}`, { method: 'DELETE' }), {
    invalidates: [['compute', '/flavors']],
    success: (f) => `Deleted flavor ${f.name}.`,
    silent: true,
  });
  return (
    <Page title="Flavors">
      <DataTable
        label="Flavors"
        rows={flavors.data}
        loading={flavors.isLoading}
        error={flavors.error}
        rowKey={(f) => f.id}
        filterText={(f) => f.name}
        empty="No flavors."
        toolbar={
          <button type="button" className="primary" onClick={() => setCreating(true)}>
            Create Flavor
          </button>
        }
        columns={[
          { header: 'Flavor Name', cell: (f) => f.name },
          { header: 'VCPUs', cell: (f) => f.vcpus },
          { header: 'RAM', cell: (f) => megabytes(f.ram) },
          { header: 'Root Disk', cell: (f) => `${f.disk} GB` },
          { header: 'Ephemeral Disk', cell: (f) => `${f['OS-FLV-EXT-DATA:ephemeral'] ?? 0} GB` },
          { header: 'ID', cell: (f) => <code className="id">{f.id}</code> },
          { header: 'Public', cell: (f) => (f['os-flavor-access:is_public'] === false ? 'No' : 'Yes') },
        ]}
        actions={(f) => (
          <ActionMenu
            label={f.name}
            items={[{ label: 'Delete Flavor', danger: true, onSelect: () => setDeleting(f) }]}
          />
        )}
      />
      {creating ? <CreateFlavor onClose={() => setCreating(false)} /> : null}
      {deleting ? (
        <Confirm
          title="Confirm Delete Flavor"
          text={`You have selected "${deleting.name}".`}
          action="Delete Flavor"
          run={() => del.mutateAsync(deleting)}
          onClose={() => setDeleting(null)}
        />
      ) : null}
    </Page>
  );
}
