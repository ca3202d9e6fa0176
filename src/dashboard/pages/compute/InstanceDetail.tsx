import { useQuery } from '@tanstack/react-query';
import { lazy, Suspense, useState } from 'react';
import { useSearch } from 'wouter';
import { call } from '../../api/client.js';
import type { ApiError } from '../../api/errors.js';
import type { Server } from '../../api/types.js';
import { POWER_STATE } from '../../api/types.js';
import { names, useImages, usePorts, useVolumes } from '../../app/data.js';
import { useApi } from '../../app/queries.js';
import { useSession } from '../../app/session.js';
import { ActionMenu } from '../../components/ActionMenu.js';
import { DataTable } from '../../components/DataTable.js';
import { Fields, Page, Tabs } from '../../components/Page.js';
import { ErrorBox, Spinner, Status } from '../../components/States.js';
import { megabytes, since } from '../../lib/format.js';
import { pollInterval } from '../../lib/status.js';
import { Addresses, imageName } from './Instances.js';
import { type Dialog, InstanceDialog, instanceActions, useGo, useServerAction } from './instance-actions.js';

// noVNC is its own chunk, loaded when the tab opens
const Console = lazy(() => import('./Console.js'));

/** The console log (os-getConsoleOutput is an action, a POST: a query of its own), refreshed every 5 s. */
function Log({ server }: { server: Server }) {
  const session = useSession();
  const [full, setFull] = useState(false);
  const q = useQuery<string, ApiError>({
    queryKey: [session.project.id, 'compute', `/servers/${server.id}/console-output`, full],
    queryFn: () =>
      call<{ output: string }>(session, 'compute', `/servers/${server.id}/action`, {
        method: 'POST',
        body: { 'os-getConsoleOutput': full ? {} : { length: 35 } },
      }).then((r) => r.output),
    refetchInterval: 5000,
  });
  return (
    <section aria-label="Instance Console Log">
      <div className="toolbar">
        <span className="muted">{full ? 'The whole log' : 'The last 35 lines'}</span>
        <button type="button" className="small" onClick={() => setFull(!full)}>
          {full ? 'View the last lines' : 'View Full Log'}
        </button>
      </div>
      {q.error ? <ErrorBox error={q.error} /> : null}
      {q.isLoading ? <Spinner /> : <pre className="log">{q.data || '(the log is empty)'}</pre>}
    </section>
  );
}

/** An instance's detail page: Overview, Interfaces, Log, Console. */
export function InstanceDetail({ id, admin }: { id: string; admin?: boolean }) {
  const base = admin ? '/admin/instances' : '/project/instances';
  const server = useApi<Server>('compute', `/servers/${id}`, 'server', {
    poll: (s) => pollInterval(s ? [s] : [], 'server'),
  });
  const images = names(useImages().data);
  const ports = usePorts({ device_id: id });
  const volumes = names(useVolumes().data);
  const [dialog, setDialog] = useState<Dialog>(null);
  const act = useServerAction();
  const go = useGo();
  const tab = new URLSearchParams(useSearch()).get('tab') ?? undefined;
  const s = server.data;
  return (
    <Page
      title={s ? `Instance ${s.name}` : 'Instance'}
      trail={[{ label: 'Instances', href: base }]}
      actions={s ? <ActionMenu label={s.name} items={instanceActions(s, setDialog, act, go, base)} /> : null}
    >
      {server.error ? <ErrorBox error={server.error} /> : null}
      {!s ? (
        server.isLoading ? (
          <Spinner />
        ) : null
      ) : (
        <Tabs
          initial={tab}
          tabs={[
            {
              label: 'Overview',
              content: () => (
                <Fields
                  rows={[
                    ['Name', s.name],
                    ['ID', <code key="id">{s.id}</code>],
                    ['Status', <Status key="s" value={s.status} />],
                    ['Task', s['OS-EXT-STS:task_state'] ?? 'None'],
                    ['Power State', POWER_STATE[s['OS-EXT-STS:power_state'] ?? 0]],
                    ['Fault', s.fault?.message],
                    ['Availability Zone', s['OS-EXT-AZ:availability_zone']],
                    ['Created', since(s.created)],
                    [
                      'Flavor',
                      `${s.flavor.original_name ?? s.flavor.id} (${s.flavor.vcpus ?? '?'} VCPU, ${megabytes(s.flavor.ram ?? 0)} RAM, ${s.flavor.disk ?? '?'} GB disk)`,
                    ],
                    ['Image', imageName(s, images)],
                    ['Key Pair', s.key_name],
                    ['IP Addresses', <Addresses key="a" server={s} />],
                    ['Security Groups', [...new Set((s.security_groups ?? []).map((g) => g.name))].join(', ')],
                    [
                      'Volumes Attached',
                      (s['os-extended-volumes:volumes_attached'] ?? [])
                        .map((v) => volumes.get(v.id) ?? v.id)
                        .join(', '),
                    ],
                    [
                      'Metadata',
                      Object.entries(s.metadata)
                        .map(([k, v]) => `${k}=${v}`)
                        .join(', '),
                    ],
                  ]}
                />
              ),
            },
            {
              label: 'Interfaces',
              content: () => (
                <DataTable
                  label="Interfaces"
                  rows={ports.data}
                  loading={ports.isLoading}
                  error={ports.error}
                  rowKey={(p) => p.id}
                  empty="This instance has no interface."
                  columns={[
                    { header: 'Name', cell: (p) => p.name || <code className="id">({p.id.slice(0, 8)})</code> },
                    { header: 'Fixed IPs', cell: (p) => p.fixed_ips.map((f) => f.ip_address).join(', ') },
                    { header: 'MAC Address', cell: (p) => p.mac_address },
                    { header: 'Status', cell: (p) => <Status value={p.status} /> },
                  ]}
                />
              ),
            },
            { label: 'Log', content: () => <Log server={s} /> },
            {
              label: 'Console',
              content: () => (
                <Suspense fallback={<Spinner />}>
                  <Console server={s} />
                </Suspense>
              ),
            },
          ]}
        />
      )}
      <InstanceDialog dialog={dialog} onClose={() => setDialog(null)} afterDelete={() => go(base)} />
    </Page>
  );
}
