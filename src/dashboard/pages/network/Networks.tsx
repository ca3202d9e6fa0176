import { useState } from 'react';
import { Link } from 'wouter';
import { call } from '../../api/client.js';
import type { Network } from '../../api/types.js';
import { useNetworks, useSubnets } from '../../app/data.js';
import { useAction } from '../../app/queries.js';
import { useSession } from '../../app/session.js';
import { ActionMenu } from '../../components/ActionMenu.js';
import { Confirm } from '../../components/Confirm.js';
import { DataTable } from '../../components/DataTable.js';
import { Modal } from '../../components/Modal.js';
import { Field, Page } from '../../components/Page.js';
import { ProjectName } from '../../components/ProjectName.js';
import { Status } from '../../components/States.js';
import { SubnetFields, type SubnetForm, subnetBody } from './subnet-form.js';

/** Create Network: the network and, as Horizon's wizard offers, its first subnet. */
function CreateNetwork({ onClose }: { onClose: () => void }) {
  const session = useSession();
  const [name, setName] = useState('');
  const [withSubnet, setWithSubnet] = useState(true);
  const [subnet, setSubnet] = useState<SubnetForm>({ name: '', cidr: '', gateway: '', dhcp: true, dns: '' });
  const create = useAction(
    async () => {
      const { network } = await call<{ network: Network }>(session, 'network', '/networks', {
        method: 'POST',
        body: { network: { name, admin_state_up: true } },
      });
      if (withSubnet)
        await call(session, 'network', '/subnets', {
          method: 'POST',
          body: { subnet: subnetBody(network.id, subnet) },
        });
    },
    { invalidates: [['network']], success: () => `Created network ${name}.`, silent: true },
  );
  return (
    <Modal
      title="Create Network"
      onClose={onClose}
      submitLabel="Create"
      busy={create.isPending}
      error={create.error}
      canSubmit={!withSubnet || !!subnet.cidr.trim()}
      onSubmit={() => create.mutate(undefined, { onSuccess: onClose })}
    >
      <Field label="Network Name">
        <input name="name" value={name} onChange={(e) => setName(e.target.value)} />
      </Field>
      <label className="check">
        <input type="checkbox" checked={withSubnet} onChange={(e) => setWithSubnet(e.target.checked)} /> Create Subnet
      </label>
      {withSubnet ? <SubnetFields value={subnet} onChange={setSubnet} /> : null}
    </Modal>
  );
}

/** Project → Network → Networks (Admin → Networks: every project's). */
export function Networks({ admin }: { admin?: boolean }) {
  const session = useSession();
  const networks = useNetworks();
  const subnets = useSubnets();
  const [creating, setCreating] = useState(false);
  const [deleting, setDeleting] = useState<Network | null>(null);
  const del = useAction((n: Network) => call(session, 'network', `/networks/${n.id}`, { method: 'DELETE' }), {
    invalidates: [['network']],
    success: (n) => `Deleted network ${n.name || n.id}.`,
    silent: true,
  });
  const mine = (n: Network) => admin || n.project_id === session.project.id || n.shared || n['router:external'];
  const base = admin ? '/admin/networks' : '/project/networks';
  const subnetText = (n: Network) =>
    n.subnets.map((id) => {
      const s = subnets.data?.find((x) => x.id === id);
      return s ? `${s.name || s.id.slice(0, 8)} ${s.cidr}` : id.slice(0, 8);
    });
  return (
    <Page title="Networks">
      <DataTable
        label="Networks"
        rows={networks.data?.filter(mine)}
        loading={networks.isLoading}
        error={networks.error}
        rowKey={(n) => n.id}
        filterText={(n) => `${n.name} ${subnetText(n).join(' ')}`}
        empty="No networks."
        toolbar={
          <button type="button" className="primary" onClick={() => setCreating(true)}>
            Create Network
          </button>
        }
        columns={[
          ...(admin ? [{ header: 'Project', cell: (n: Network) => <ProjectName id={n.project_id} /> }] : []),
          { header: 'Name', cell: (n) => <Link href={`${base}/${n.id}`}>{n.name || n.id}</Link> },
          {
            header: 'Subnets Associated',
            cell: (n) => (
              <ul className="plain">
                {subnetText(n).map((t) => (
                  <li key={t}>{t}</li>
                ))}
              </ul>
            ),
          },
          { header: 'Shared', cell: (n) => (n.shared ? 'Yes' : 'No') },
          { header: 'External', cell: (n) => (n['router:external'] ? 'Yes' : 'No') },
          { header: 'Status', cell: (n) => <Status value={n.status} /> },
          { header: 'Admin State', cell: (n) => (n.admin_state_up ? 'UP' : 'DOWN') },
        ]}
        actions={(n) => (
          <ActionMenu
            label={n.name || n.id}
            items={[
              {
                label: 'Delete Network',
                danger: true,
                onSelect: () => setDeleting(n),
                hidden: !admin && n.project_id !== session.project.id,
              },
            ]}
          />
        )}
      />
      {creating ? <CreateNetwork onClose={() => setCreating(false)} /> : null}
      {deleting ? (
        <Confirm
          title="Confirm Delete Network"
          text={`You have selected "${deleting.name || deleting.id}". Its subnets are deleted with it.`}
          action="Delete Network"
          run={() => del.mutateAsync(deleting)}
          onClose={() => setDeleting(null)}
        />
      ) : null}
    </Page>
  );
}
