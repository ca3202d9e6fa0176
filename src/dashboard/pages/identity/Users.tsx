import { useApi } from '../../app/queries.js';
import { DataTable } from '../../components/DataTable.js';
import { Page } from '../../components/Page.js';

interface User {
  id: string;
  name: string;
  email?: string;
  enabled: boolean;
  domain_id: string;
  description?: string;
}

/** Identity → Users (admins). */
export function Users() {
  const users = useApi<User[]>('identity', '/users', 'users');
  return (
    <Page title="Users">
      <DataTable
        label="Users"
        rows={users.data}
        loading={users.isLoading}
        error={users.error}
        rowKey={(u) => u.id}
        filterText={(u) => `${u.name} ${u.email ?? ''}`}
        empty="No users."
        columns={[
          { header: 'User Name', cell: (u) => u.name },
          { header: 'Description', cell: (u) => u.description || <span className="muted">—</span> },
          { header: 'Email', cell: (u) => u.email || <span className="muted">—</span> },
          { header: 'User ID', cell: (u) => <code className="id">{u.id}</code> },
          { header: 'Enabled', cell: (u) => (u.enabled ? 'Yes' : 'No') },
          { header: 'Domain', cell: (u) => u.domain_id },
        ]}
      />
    </Page>
  );
}
