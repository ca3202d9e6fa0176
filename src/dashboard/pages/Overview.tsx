import { useApi } from '../app/queries.js';
import { useSession } from '../app/session.js';
import { Page } from '../components/Page.js';
import { ErrorBox, Meter, Spinner } from '../components/States.js';
import { computeUsage, networkUsage, type Usage, volumeUsage } from '../lib/quota.js';

function Group({
  title,
  rows,
  loading,
  error,
}: {
  title: string;
  rows: Usage[];
  loading: boolean;
  error: Error | null;
}) {
  return (
    <section className="quota-group" aria-label={title}>
      <h2>{title}</h2>
      {error ? <ErrorBox error={error} /> : loading ? <Spinner /> : null}
      <div className="meters">
        {rows.map((r) => (
          <Meter key={r.label} {...r} />
        ))}
      </div>
    </section>
  );
}

/** Project overview: Horizon's limit summary. */
export function Overview() {
  const s = useSession();
  const poll = { poll: () => 10000 };
  const nova = useApi<{ absolute: Record<string, number> }>('compute', '/limits', 'limits', poll);
  const cinder = useApi<{ absolute: Record<string, number> }>('volume', '/limits', 'limits', poll);
  const neutron = useApi<Record<string, { used: number; limit: number }>>(
    'network',
    `/quotas/${s.project.id}/details`,
    'quota',
    poll,
  );
  return (
    <Page title="Overview">
      <p className="muted">Limit summary of project {s.project.name}.</p>
      <Group title="Compute" rows={computeUsage(nova.data?.absolute)} loading={nova.isLoading} error={nova.error} />
      <Group title="Volume" rows={volumeUsage(cinder.data?.absolute)} loading={cinder.isLoading} error={cinder.error} />
      <Group title="Network" rows={networkUsage(neutron.data)} loading={neutron.isLoading} error={neutron.error} />
    </Page>
  );
}
