import { useEffect, useRef, useState } from 'react';
import { useLocation } from 'wouter';
import type { Stack, StackEvent, StackResource } from '../../api/types.js';
import { useApi } from '../../app/queries.js';
import { ActionMenu } from '../../components/ActionMenu.js';
import { Confirm } from '../../components/Confirm.js';
import { DataTable } from '../../components/DataTable.js';
import { Fields, Page, Tabs } from '../../components/Page.js';
import { ErrorBox, Spinner, Status } from '../../components/States.js';
import { since } from '../../lib/format.js';
import { inTransition } from '../../lib/status.js';
import { useDeleteStack } from './Stacks.js';

const show = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v, null, 2));

function Children({ stack }: { stack: Stack }) {
  const base = `/stacks/${encodeURIComponent(stack.stack_name)}/${stack.id}`;
  const moving = inTransition(stack, 'stack');
  const resources = useApi<StackResource[]>('orchestration', `${base}/resources`, 'resources', {
    poll: () => (moving ? 2000 : 15000),
  });
  const events = useApi<StackEvent[]>('orchestration', `${base}/events`, 'events', {
    query: { sort_dir: 'desc', sort_keys: 'event_time' },
    poll: () => (moving ? 2000 : 15000),
  });
  const template = useApi<unknown>('orchestration', `${base}/template`, null);
  // the stack's own poll sees it finish first: its resources and events are fetched again at once, not
  // at the slower pace of a settled stack (they would miss the last events for up to 15 s)
  const seen = useRef(stack.stack_status);
  const { refetch: refetchResources } = resources;
  const { refetch: refetchEvents } = events;
  useEffect(() => {
    if (seen.current === stack.stack_status) return;
    seen.current = stack.stack_status;
    void refetchResources();
    void refetchEvents();
  }, [stack.stack_status, refetchResources, refetchEvents]);
  return (
    <Tabs
      tabs={[
        {
          label: 'Overview',
          content: () => (
            <>
              <Fields
                rows={[
                  ['Name', stack.stack_name],
                  ['ID', <code key="id">{stack.id}</code>],
                  ['Description', stack.description],
                  ['Status', <Status key="s" value={stack.stack_status} />],
                  ['Status Reason', stack.stack_status_reason],
                  ['Created', since(stack.creation_time)],
                  ['Last Updated', stack.updated_time ? since(stack.updated_time) : 'Never'],
                ]}
              />
              <h2>Outputs</h2>
              {(stack.outputs ?? []).length === 0 ? (
                <p className="muted">
                  {moving ? 'The outputs come when the stack is complete.' : 'This stack has no outputs.'}
                </p>
              ) : (
                <dl className="fields outputs">
                  {(stack.outputs ?? []).map((o) => (
                    <div key={o.output_key}>
                      <dt>
                        {o.output_key}
                        {o.description ? <div className="muted small">{o.description}</div> : null}
                      </dt>
                      <dd>
                        {o.output_error ? (
                          <span className="field-error">{o.output_error}</span>
                        ) : (
                          <pre className="value">{show(o.output_value)}</pre>
                        )}
                      </dd>
                    </div>
                  ))}
                </dl>
              )}
              <h2>Parameters</h2>
              <Fields
                rows={Object.entries(stack.parameters ?? {})
                  .filter(([k]) => !k.startsWith('OS::'))
                  .map(([k, v]) => [k, v])}
              />
            </>
          ),
        },
        {
          label: 'Resources',
          content: () => (
            <DataTable
              label="Stack Resources"
              rows={resources.data}
              loading={resources.isLoading}
              error={resources.error}
              rowKey={(r) => r.resource_name}
              empty="No resources."
              columns={[
                { header: 'Stack Resource', cell: (r) => r.resource_name },
                { header: 'Resource', cell: (r) => <code className="id">{r.physical_resource_id || '—'}</code> },
                { header: 'Stack Resource Type', cell: (r) => r.resource_type },
                { header: 'Date Updated', cell: (r) => since(r.updated_time) },
                { header: 'Status', cell: (r) => <Status value={r.resource_status} /> },
                { header: 'Status Reason', cell: (r) => r.resource_status_reason },
              ]}
            />
          ),
        },
        {
          label: 'Events',
          content: () => (
            <DataTable
              label="Stack Events"
              rows={events.data}
              loading={events.isLoading}
              error={events.error}
              rowKey={(e) => e.id}
              empty="No events."
              columns={[
                { header: 'Stack Resource', cell: (e) => e.resource_name },
                { header: 'Resource', cell: (e) => <code className="id">{e.physical_resource_id || '—'}</code> },
                { header: 'Time Since Event', cell: (e) => since(e.event_time) },
                { header: 'Status', cell: (e) => <Status value={e.resource_status} /> },
                { header: 'Status Reason', cell: (e) => e.resource_status_reason },
              ]}
            />
          ),
        },
        {
          label: 'Template',
          content: () => (template.data ? <pre className="log">{show(template.data)}</pre> : <Spinner />),
        },
      ]}
    />
  );
}

/** A stack: overview with outputs, resources, events, template; polled while in progress. */
export function StackDetail({ id }: { id: string }) {
  // /stacks/{id} answers with a redirect to /stacks/{name}/{id}, which fetch follows
  const stack = useApi<Stack>('orchestration', `/stacks/${id}`, 'stack', {
    poll: (s) => (s && inTransition(s, 'stack') ? 2000 : 15000),
  });
  const [, go] = useLocation();
  const [deleting, setDeleting] = useState(false);
  const del = useDeleteStack();
  const s = stack.data;
  return (
    <Page
      title={s ? `Stack ${s.stack_name}` : 'Stack'}
      trail={[{ label: 'Stacks', href: '/project/stacks' }]}
      actions={
        s ? (
          <ActionMenu
            label={s.stack_name}
            items={[{ label: 'Delete Stack', danger: true, onSelect: () => setDeleting(true) }]}
          />
        ) : null
      }
    >
      {stack.error ? <ErrorBox error={stack.error} /> : null}
      {s ? <Children stack={s} /> : stack.isLoading ? <Spinner /> : null}
      {s && deleting ? (
        <Confirm
          title="Confirm Delete Stack"
          text={`You have selected "${s.stack_name}".`}
          action="Delete Stack"
          run={() => del.mutateAsync(s).then(() => go('/project/stacks'))}
          onClose={() => setDeleting(false)}
        />
      ) : null}
    </Page>
  );
}
