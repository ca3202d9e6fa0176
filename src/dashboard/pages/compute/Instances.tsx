import { useState } from 'react';
import { Link } from 'wouter';
import { POWER_STATE, type Server } from '../../api/types.js';
import { names, useFlavors, useImages, useServers } from '../../app/data.js';
import { ActionMenu } from '../../components/ActionMenu.js';
import { type Column, DataTable } from '../../components/DataTable.js';
import { Page } from '../../components/Page.js';
import { ProjectName } from '../../components/ProjectName.js';
import { Status } from '../../components/States.js';
import { addresses, since } from '../../lib/format.js';
import { type Dialog, InstanceDialog, instanceActions, useGo, useServerAction } from './instance-actions.js';
import { LaunchInstance } from './LaunchInstance.js';

export function imageName(s: Server, images: Map<string, string>): string {
  return s.image ? (images.get(s.image.id) ?? s.image.id) : '(booted from volume)';
}

export function Addresses({ server }: { server: Server }) {
  return (
    <ul className="plain">
      {addresses(server.addresses).map((a) => (
        <li key={a.network}>
          <span className="muted">{a.network}:</span> {[...a.fixed, ...a.floating].join(', ')}
        </li>
      ))}
    </ul>
  );
}

/** Project → Compute → Instances (and Admin → Instances across projects). */
export function Instances({ admin }: { admin?: boolean }) {
  const servers = useServers(admin);
  const images = names(useImages().data);
  const flavors = names(useFlavors().data);
  const [launching, setLaunching] = useState(false);
  const [dialog, setDialog] = useState<Dialog>(null);
  const act = useServerAction();
  const go = useGo();
  const base = admin ? '/admin/instances' : '/project/instances';
  const columns: Column<Server>[] = [
    ...(admin ? [{ header: 'Project', cell: (s: Server) => <ProjectName id={s.tenant_id} /> }] : []),
    { header: 'Instance Name', cell: (s) => <Link href={`${base}/${s.id}`}>{s.name || s.id}</Link> },
    { header: 'Image Name', cell: (s) => imageName(s, images) },
    { header: 'IP Address', cell: (s) => <Addresses server={s} /> },
    { header: 'Flavor', cell: (s) => s.flavor.original_name ?? flavors.get(s.flavor.id ?? '') ?? s.flavor.id },
    { header: 'Key Pair', cell: (s) => s.key_name ?? <span className="muted">—</span> },
    {
      header: 'Status',
      cell: (s) => (
        <>
          <Status value={s.status} />
          {s['OS-EXT-STS:task_state'] ? <span className="muted small"> {s['OS-EXT-STS:task_state']}</span> : null}
        </>
      ),
    },
    { header: 'Power State', cell: (s) => POWER_STATE[s['OS-EXT-STS:power_state'] ?? 0] ?? '—' },
    { header: 'Age', cell: (s) => since(s.created) },
  ];
  return (
    <Page title="Instances">
      <DataTable
        label="Instances"
        rows={servers.data}
        loading={servers.isLoading}
        error={servers.error}
        columns={columns}
        rowKey={(s) => s.id}
        filterText={(s) => `${s.name} ${s.status} ${JSON.stringify(s.addresses)}`}
        empty="No instances yet. Launch one to start."
        toolbar={
          admin ? null : (
            <button type="button" className="primary" onClick={() => setLaunching(true)}>
              Launch Instance
            </button>
          )
        }
        actions={(s) => <ActionMenu label={s.name} items={instanceActions(s, setDialog, act, go, base)} />}
      />
      {launching ? <LaunchInstance onClose={() => setLaunching(false)} /> : null}
      <InstanceDialog dialog={dialog} onClose={() => setDialog(null)} />
    </Page>
  );
}
