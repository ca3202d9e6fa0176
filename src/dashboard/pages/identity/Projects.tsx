import type { Project } from '../../api/session.js';
import { isAdmin } from '../../api/session.js';
import { useApi } from '../../app/queries.js';
import { useSession } from '../../app/session.js';
import { DataTable } from '../../components/DataTable.js';
import { Page } from '../../components/Page.js';

/** Identity → Projects: every project for an admin, the user's own otherwise. */
export function Projects() {
  const session = useSession();
  const admin = isAdmin(session);
  const all = useApi<Project[]>('identity', '/projects', 'projects', { enabled: admin });
  const rows = admin ? all.data : session.projects;
  return (
    <Page title="Projects">
      <DataTable
        label="Projects"
        rows={rows}
        loading={admin && all.isLoading}
        error={all.error}
        rowKey={(p) => p.id}
        filterText={(p) => p.name}
        empty="No projects."
        columns={[
          { header: 'Name', cell: (p) => (p.id === session.project.id ? <strong>{p.name} (current)</strong> : p.name) },
          { header: 'Description', cell: (p) => p.description || <span className="muted">—</span> },
          { header: 'Project ID', cell: (p) => <code className="id">{p.id}</code> },
          { header: 'Domain', cell: (p) => p.domain_id ?? '—' },
          { header: 'Enabled', cell: (p) => (p.enabled === false ? 'No' : 'Yes') },
        ]}
      />
    </Page>
  );
}
