import { useState } from 'react';
import { call } from '../../api/client.js';
import type { SecurityGroup, SecurityGroupRule } from '../../api/types.js';
import { names, useSecurityGroups } from '../../app/data.js';
import { useAction, useApi } from '../../app/queries.js';
import { useSession } from '../../app/session.js';
import { ActionMenu } from '../../components/ActionMenu.js';
import { Confirm } from '../../components/Confirm.js';
import { DataTable } from '../../components/DataTable.js';
import { Modal } from '../../components/Modal.js';
import { Field, Page } from '../../components/Page.js';
import { ErrorBox } from '../../components/States.js';
import { portRange } from '../../lib/format.js';
import { RULE_TEMPLATES, type RuleForm, ruleBody } from '../../lib/rules.js';

function AddRule({ group, onClose }: { group: SecurityGroup; onClose: () => void }) {
  const session = useSession();
  const groups = useSecurityGroups();
  const [form, setForm] = useState<RuleForm>({
    rule: 'custom_tcp',
    direction: 'ingress',
    port: '',
    remote: 'cidr',
    cidr: '0.0.0.0/0',
    group: '',
    description: '',
  });
  const set = (k: keyof RuleForm, v: string) => setForm({ ...form, [k]: v });
  const body = ruleBody(group.id, form);
  const add = useAction(
    () =>
      call(session, 'network', '/security-group-rules', {
        method: 'POST',
        body: { security_group_rule: (body as { ok: true; value: unknown }).value },
      }),
    { invalidates: [['network']], success: () => `Added a rule to ${group.name}.`, silent: true },
  );
  const template = RULE_TEMPLATES[form.rule];
  return (
    <Modal
      title="Add Rule"
      onClose={onClose}
      submitLabel="Add"
      busy={add.isPending}
      error={add.error}
      canSubmit={body.ok}
      onSubmit={() => add.mutate(undefined, { onSuccess: onClose })}
    >
      <Field label="Rule">
        <select name="rule" value={form.rule} onChange={(e) => set('rule', e.target.value)}>
          {Object.entries(RULE_TEMPLATES).map(([k, t]) => (
            <option key={k} value={k}>
              {t.label}
            </option>
          ))}
        </select>
      </Field>
      {template.custom ? (
        <>
          <Field label="Direction">
            <select value={form.direction} onChange={(e) => set('direction', e.target.value)}>
              <option value="ingress">Ingress</option>
              <option value="egress">Egress</option>
            </select>
          </Field>
          {template.protocol !== 'icmp' ? (
            <Field label="Port" hint="A port, a range like 8000-8080, or blank for all ports.">
              <input name="port" value={form.port} onChange={(e) => set('port', e.target.value)} />
            </Field>
          ) : null}
        </>
      ) : null}
      <Field label="Remote">
        <select value={form.remote} onChange={(e) => set('remote', e.target.value)}>
          <option value="cidr">CIDR</option>
          <option value="group">Security Group</option>
        </select>
      </Field>
      {form.remote === 'cidr' ? (
        <Field label="CIDR">
          <input name="cidr" value={form.cidr} onChange={(e) => set('cidr', e.target.value)} />
        </Field>
      ) : (
        <Field label="Security Group">
          <select value={form.group} onChange={(e) => set('group', e.target.value)}>
            <option value="">Select a group</option>
            {(groups.data ?? [])
              .filter((g) => g.project_id === session.project.id)
              .map((g) => (
                <option key={g.id} value={g.id}>
                  {g.name}
                </option>
              ))}
          </select>
        </Field>
      )}
      <Field label="Description">
        <input value={form.description} onChange={(e) => set('description', e.target.value)} />
      </Field>
      {!body.ok ? <p className="field-error">{body.error}</p> : null}
    </Modal>
  );
}

/** Manage Security Group Rules. */
export function SecurityGroupDetail({ id }: { id: string }) {
  const session = useSession();
  const group = useApi<SecurityGroup>('network', `/security-groups/${id}`, 'security_group');
  const groupNames = names(useSecurityGroups().data);
  const [adding, setAdding] = useState(false);
  const [deleting, setDeleting] = useState<SecurityGroupRule | null>(null);
  const del = useAction(
    (r: SecurityGroupRule) => call(session, 'network', `/security-group-rules/${r.id}`, { method: 'DELETE' }),
    {
      invalidates: [['network']],
      success: () => 'Deleted the rule.',
      silent: true,
    },
  );
  const g = group.data;
  return (
    <Page
      title={g ? `Manage Security Group Rules: ${g.name}` : 'Security Group'}
      trail={[{ label: 'Security Groups', href: '/project/security_groups' }]}
    >
      {group.error ? <ErrorBox error={group.error} /> : null}
      <DataTable
        label="Rules"
        rows={g?.security_group_rules}
        loading={group.isLoading}
        rowKey={(r) => r.id}
        empty="No rules: nothing is let in or out."
        toolbar={
          g ? (
            <button type="button" className="primary" onClick={() => setAdding(true)}>
              Add Rule
            </button>
          ) : null
        }
        columns={[
          { header: 'Direction', cell: (r) => (r.direction === 'ingress' ? 'Ingress' : 'Egress') },
          { header: 'Ether Type', cell: (r) => r.ethertype },
          { header: 'IP Protocol', cell: (r) => r.protocol?.toUpperCase() ?? 'Any' },
          { header: 'Port Range', cell: (r) => portRange(r.port_range_min, r.port_range_max) },
          {
            header: 'Remote IP Prefix',
            cell: (r) =>
              r.remote_ip_prefix ?? (r.remote_group_id ? '—' : r.ethertype === 'IPv6' ? '::/0' : '0.0.0.0/0'),
          },
          {
            header: 'Remote Security Group',
            cell: (r) => (r.remote_group_id ? (groupNames.get(r.remote_group_id) ?? r.remote_group_id) : '—'),
          },
          { header: 'Description', cell: (r) => r.description || <span className="muted">—</span> },
        ]}
        actions={(r) => (
          <ActionMenu label={r.id} items={[{ label: 'Delete Rule', danger: true, onSelect: () => setDeleting(r) }]} />
        )}
      />
      {g && adding ? <AddRule group={g} onClose={() => setAdding(false)} /> : null}
      {deleting ? (
        <Confirm
          title="Confirm Delete Rule"
          text="Delete this rule?"
          action="Delete Rule"
          run={() => del.mutateAsync(deleting)}
          onClose={() => setDeleting(null)}
        />
      ) : null}
    </Page>
  );
}
