import { useState } from 'react';
import { Link } from 'wouter';
import { call } from '../../api/client.js';
import type { Stack } from '../../api/types.js';
import { useStacks } from '../../app/data.js';
import { useAction } from '../../app/queries.js';
import { useSession } from '../../app/session.js';
import { ActionMenu } from '../../components/ActionMenu.js';
import { Confirm } from '../../components/Confirm.js';
import { DataTable } from '../../components/DataTable.js';
import { Page } from '../../components/Page.js';
import { ProjectName } from '../../components/ProjectName.js';
import { Status } from '../../components/States.js';
import { since } from '../../lib/format.js';
import { LaunchStack } from './LaunchStack.js';

export function useDeleteStack() {
  const session = useSession();
  return useAction(
    (s: Stack) =>
      call(session, 'orchestration', `/stacks/${encodeURIComponent(s.stack_name)}/${s.id}`, { method: 'DELETE' }),
    { invalidates: [['orchestration']], success: (s) => `Deleting stack ${s.stack_name}.`, silent: true },
  );
}

/** Project → Orchestration → Stacks (Admin: every project's). */
export function Stacks({ admin }: { admin?: boolean }) {
  const stacks = useStacks(admin);
  const [launching, setLaunching] = useState(false);
  const [deleting, setDeleting] = useState<Stack | null>(null);
  const del = useDeleteStack();
  return (
    <Page title="Stacks">
      <DataTable
        label="Stacks"
        rows={stacks.data}
        loading={stacks.isLoading}
        error={stacks.error}
        rowKey={(s) => s.id}
        filterText={(s) => `${s.stack_name} ${s.stack_status}`}
        empty="No stacks. Launch one from a template."
        toolbar={
          admin ? null : (
            <button type="button" className="primary" onClick={() => setLaunching(true)}>
              Launch Stack
            </button>
          )
        }
        columns={[
          ...(admin ? [{ header: 'Project', cell: (s: Stack) => <ProjectName id={s.project} /> }] : []),
          { header: 'Stack Name', cell: (s) => <Link href={`/project/stacks/${s.id}`}>{s.stack_name}</Link> },
          { header: 'Created', cell: (s) => since(s.creation_time) },
          { header: 'Updated', cell: (s) => (s.updated_time ? since(s.updated_time) : 'Never') },
          { header: 'Status', cell: (s) => <Status value={s.stack_status} /> },
        ]}
        actions={(s) => (
          <ActionMenu
            label={s.stack_name}
            items={[{ label: 'Delete Stack', danger: true, onSelect: () => setDeleting(s) }]}
          />
        )}
      />
      {launching ? <LaunchStack onClose={() => setLaunching(false)} /> : null}
      {deleting ? (
        <Confirm
          title="Confirm Delete Stack"
          text={`You have selected "${deleting.stack_name}". Its resources are deleted with it.`}
          action="Delete Stack"
          run={() => del.mutateAsync(deleting)}
          onClose={() => setDeleting(null)}
        />
      ) : null}
    </Page>
  );
}
