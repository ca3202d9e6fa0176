import { randomToken } from '../../../server/ids.js';
import { toJson } from '../../../store/json.js';
import { type ResourceContext, ResourceError, type ResourcePlugin } from '../engine/plugin.js';
import { getResourceRow, hdb } from '../store.js';
import { pyDumps } from '../template/pyjson.js';
import { isMap } from '../template/scope.js';

// OS::Heat::WaitConditionHandle and OS::Heat::WaitCondition: the handle gives
// a URL and a token (and the curl command that uses them) that anyone holding
// them can POST {"status": "SUCCESS"|"FAILURE", "reason", "data", "id"} to;
// the condition waits until enough successes arrive, any failure, or its
// timeout. Signals are the handle's metadata, as in Heat.

interface Signal {
  status: string;
  reason: string;
  data: unknown;
}

function endpoint(r: ResourceContext): string {
  const s = r.stack;
  return `${r.cloud.baseUrl}/heat-api/v1/${s.project_id}/stacks/${encodeURIComponent(s.name)}/${s.id}/resources/${encodeURIComponent(r.name)}/signal`;
}

/** Records one signal on the handle; returns the event's text. */
async function signalHandle(r: ResourceContext, details: unknown): Promise<string> {
  const row = (await getResourceRow(r.cloud, r.stack.id, r.name))!;
  const signals = JSON.parse(row.metadata || '{}') as Record<string, Signal>;
  const n = Object.keys(signals).length + 1;
  const d = isMap(details) ? { ...details } : {};
  const entry = {
    status: d.status ?? 'SUCCESS',
    reason: d.reason ?? `Signal ${n} received`,
    data: d.data ?? null,
  };
  const extra = Object.keys(d).filter((k) => !['status', 'reason', 'data', 'id'].includes(k));
  if (!['SUCCESS', 'FAILURE'].includes(String(entry.status)) || extra.length > 0)
    throw new ResourceError('ValueError', 'Metadata format invalid');
  signals[String(d.id ?? n)] = entry as Signal;
  await hdb(r.cloud)
    .updateTable('heat_resources')
    .set({ metadata: toJson(signals) })
    .where('id', '=', row.id)
    .execute();
  return `status:${entry.status} reason:${entry.reason}`;
}

export const waitConditionHandle: ResourcePlugin = {
  type: 'OS::Heat::WaitConditionHandle',
  className: 'HeatWaitConditionHandle',
  description: 'Resource for managing instance signals.',
  supportStatus: { status: 'SUPPORTED', version: '2014.2' },
  properties: {
    signal_transport: {
      type: 'string',
      description:
        'How the client will signal the wait condition. TOKEN_SIGNAL will allow an HTTP POST to a Heat API endpoint with the provided token. NO_SIGNAL will result in the resource going to a signalled state without waiting for any signal.',
      default: 'TOKEN_SIGNAL',
      constraints: [{ kind: 'allowed_values', values: ['TOKEN_SIGNAL', 'HEAT_SIGNAL', 'NO_SIGNAL'] }],
    },
  },
  attributes: {
    token: {
      description: 'Token which can be used for signalling handle when signal_transport is set to TOKEN_SIGNAL.',
      type: 'string',
    },
    endpoint: {
      description: 'Endpoint/url which can be used for signalling handle when signal_transport is set to TOKEN_SIGNAL.',
      type: 'string',
    },
    curl_cli: {
      description:
        'Convenience attribute, provides curl CLI command prefix, which can be used for signalling handle completion or failure when signal_transport is set to TOKEN_SIGNAL. You can signal success by adding --data-binary \'{"status": "SUCCESS"}\' , or signal failure by adding --data-binary \'{"status": "FAILURE"}\'.',
      type: 'string',
    },
    signal: {
      description:
        'JSON serialized map that includes the endpoint, token and/or other attributes the client must use for signalling this handle.',
      type: 'string',
    },
  },
  async create(r) {
    await r.setData({
      token: randomToken(24),
      endpoint: endpoint(r),
      no_signal: r.props.signal_transport === 'NO_SIGNAL',
    });
    await r.setPhysicalId(r.physicalName());
  },
  async delete() {},
  signal: signalHandle,
  async attribute(r, name) {
    const token = r.props.signal_transport === 'TOKEN_SIGNAL' ? r.data.token : null;
    if (!r.physicalId) return null;
    switch (name) {
      case 'token':
        return token;
      case 'endpoint':
        return token ? r.data.endpoint : null;
      case 'curl_cli':
        return token
          ? `curl -i -X POST -H 'X-Auth-Token: ${token}' -H 'Content-Type: application/json' -H 'Accept: application/json' ${r.data.endpoint}`
          : null;
      case 'signal':
        return pyDumps(token ? { endpoint: r.data.endpoint, token } : { alarm_url: r.data.endpoint });
      default:
        return undefined;
    }
  },
};

/** The signals the condition's handle got; a NO_SIGNAL handle counts as signalled at once. */
async function handleSignals(r: ResourceContext): Promise<Record<string, Signal> | undefined> {
  const rows = await hdb(r.cloud)
    .selectFrom('heat_resources')
    .selectAll()
    .where('stack_id', '=', r.stack.id)
    .where('physical_id', '=', String(r.props.handle))
    .execute();
  const handle = rows.find((h) => h.type === waitConditionHandle.type);
  if (!handle) return undefined;
  if (JSON.parse(handle.data || '{}').no_signal) {
    const ok = { status: 'SUCCESS', reason: 'Signal 1 received', data: null };
    return Object.fromEntries(Array.from({ length: Number(r.props.count) }, (_, i) => [String(i + 1), ok]));
  }
  return JSON.parse(handle.metadata || '{}');
}

export const waitCondition: ResourcePlugin = {
  type: 'OS::Heat::WaitCondition',
  className: 'HeatWaitCondition',
  description: 'Resource for handling signals received by WaitConditionHandle.',
  supportStatus: { status: 'SUPPORTED', version: '2014.2' },
  properties: {
    handle: {
      type: 'string',
      description: 'A reference to the wait condition handle used to signal this wait condition.',
      required: true,
    },
    timeout: {
      type: 'number',
      description: 'The number of seconds to wait for the correct number of signals to arrive.',
      required: true,
      constraints: [{ kind: 'range', min: 1, max: 43200 }],
    },
    count: {
      type: 'integer',
      description: 'The number of success signals that must be received before the stack creation process continues.',
      default: 1,
      updateAllowed: true,
      constraints: [{ kind: 'range', min: 1 }],
    },
  },
  attributes: {
    data: {
      description: 'JSON string containing data associated with wait condition signals sent to the handle.',
      type: 'string',
    },
  },
  async create(r) {
    const until = Date.now() + Number(r.props.timeout) * 1000;
    await r.setPhysicalId(r.physicalName());
    for (;;) {
      const signals = await handleSignals(r);
      if (!signals) throw new ResourceError('ValueError', `${r.props.handle} is not a valid wait condition handle.`);
      const all = Object.values(signals);
      const failures = all.filter((s) => s.status !== 'SUCCESS');
      if (failures.length) throw new ResourceError('WaitConditionFailure', failures.map((s) => s.reason).join(';'));
      if (all.length >= r.props.count) return;
      if (Date.now() > until) {
        const got = all.map((s) => s.reason);
        throw new ResourceError(
          'WaitConditionTimeout',
          `${got.length} of ${r.props.count} received${got.length ? ` - ${got.join(';')}` : ''}`,
        );
      }
      await r.sleep(Math.min(250, Math.max(1, until - Date.now())));
    }
  },
  async update(r) {
    await waitCondition.create(r);
  },
  async delete() {},
  async attribute(r, name) {
    if (name !== 'data') return undefined;
    const signals = (await handleSignals(r)) ?? {};
    return pyDumps(Object.fromEntries(Object.entries(signals).map(([k, s]) => [k, s.data])));
  },
};
