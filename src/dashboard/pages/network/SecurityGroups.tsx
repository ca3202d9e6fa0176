import { useState } from 'react';
import { Link, useLocation } from 'wouter';
import { call } from '../../api/client.js';
import type { SecurityGroup } from '../../api/types.js';
import { useSecurityGroups } from '../../app/data.js';
import { useAction } from '../../app/queries.js';
import { useSession } from '../../app/session.js';
import { ActionMenu } from '../../components/ActionMenu.js';
import { Confirm } from '../../components/Confirm.js';
import { DataTable } from '../../components/DataTable.js';
import { Modal } from '../../components/Modal.js';
import { Field, Page } from '../../components/Page.js';

function CreateGroup({ onClose }: { onClose: () => void }) {
  const session = useSession();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const create = useAction(
    () =>
      call(session, 'network', '/security-groups', { method: 'POST', body: { security_group: { name, description } } }),
    { invalidates: [['network']], success: () => `Created security group ${name}.`, silent: true },
  );
  return (
    <Modal
      title="Create Security Group"
      onClose={onClose}
      submitLabel="Create Security Group"
      busy={create.isPending}
      error={create.error}
      canSubmit={!!name.trim()}
      onSubmit={() => create.mutate(undefined, { onSuccess: onClose })}
    >
      <Field label="Name">
        <input name="name" value={name} onChange={(e) => setName(e.target.value)} required />
      </Field>
      <Field label="Description">
        <textarea rows={2} value={description} onChange={(e) => setDescription(e.target.value)} />
      </Field>
    </Modal>
  );
}

/** Project → Network → Security Groups. */
export function SecurityGroups() {
  const session = useSession();
  const groups = useSecurityGroups();
  const [, go] = useLocation();
  const [creating, setCreating] = useState(false);
  const [deleting, setDeleting] = useState<SecurityGroup | null>(null);
  const del = useAction(
    (g: SecurityGroup) => call(session, 'network', `/security-groups/${g.id}`, { method: 'DELETE' }),
    {
      invalidates: [['network']],
      success: (g) => `Deleted security group ${g.name}.`,
      silent: true,
    },
  );
  return (
    <Page title="Security Groups">
      <DataTable
        label="Security Groups"
        rows={groups.data?.filter((g) => g.project_id === session.project.id)}
        loading={groups.isLoading}
        error={groups.error}
        rowKey={(g) => g.id}
        filterText={(g) => `${g.name} ${g.description}`}
        empty="No security groups."
        toolbar={
          <button type="button" className="primary" onClick={() => setCreating(true)}>
            Create Security Group
          </button>
        }
        columns={[
          { header: 'Name', cell: (g) => <Link href={`/project/security_groups/${g.id}`}>{g.name}</Link> },
          { header: 'Security Group ID', cell: (g) => <code className="id">{g.id}</code> },
          { header: 'Description', cell: (g) => g.description || <span className="muted">—</span> },
          { header: 'Rules', cell: (g) => g.security_group_rules.length },
        ]}
        actions={(g) => (
          <ActionMenu
            label={g.name}
            items={[
              { label: 'Manage Rules', onSelect: () => go(`/project/security_groups/${g.id}`) },
              {
                label: 'Delete Security Group',
                danger: true,
                onSelect: () => setDeleting(g),
                hidden: g.name === 'default',
              },
            ]}
          />
        )}
      />
      {creating ? <CreateGroup onClose={() => setCreating(false)} /> : null}
      {deleting ? (
        <Confirm
          title="Confirm Delete Security Group"
          text={`You have selected "${deleting.name}".`}
          action="Delete Security Group"
          run={() => del.mutateAsync(deleting)}
          onClose={() => setDeleting(null)}
        />
      ) : null}
    </Page>
  );
}
