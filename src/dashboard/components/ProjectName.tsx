import { isAdmin, type Project } from '../api/session.js';
import { useApi } from '../app/queries.js';
import { useSession } from '../app/session.js';

/** A project's name for admin views across projects (Keystone's project list, cached by the query client). */
export function ProjectName({ id }: { id: string | undefined }) {
  const session = useSession();
  const all = useApi<Project[]>('identity', '/projects', 'projects', { enabled: isAdmin(session) });
  if (!id) return <span className="muted">—</span>;
  const name = (all.data ?? session.projects).find((p) => p.id === id)?.name;
  return name ? <span title={id}>{name}</span> : <code className="id">{id.slice(0, 8)}</code>;
}
