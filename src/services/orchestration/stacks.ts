import type { Cloud } from '../../cloud.js';
import type { AuthContext } from '../../server/auth.js';
import { BadRequest } from '../../server/errors.js';
import { uuid } from '../../server/ids.js';
import { now } from '../../server/time.js';
import { fromJson, toJson } from '../../store/json.js';
import type { AdoptData } from './engine/adopt.js';
import type { Op } from './engine/operations.js';
import { newResourceRow, setStackState } from './engine/state.js';
import { enqueue } from './engine/task.js';
import { HeatError } from './errors.js';
import { checkResourceCount, checkStackCount } from './limits.js';
import { callerOf } from './lookup.js';
import { boolParam, intParam, readInstantiation, stackName, tagsParam } from './request.js';
import { type HeatDb, hdb, type StackRow } from './store.js';
import type { Environment } from './template/environment.js';
import { parseYamlOrJson } from './template/parse.js';
import { deepEqual, isMap } from './template/scope.js';
import { validateStack } from './validate.js';

// Stack requests: each checks what it is given, records the stack's new
// desired state with its first event, and queues the engine's work, all in
// one transaction. The engine does the rest (engine/).

const inProgress = (s: StackRow) =>
  new HeatError(409, `Stack ${s.name} already has an action (${s.action}) in progress.`, 'ActionInProgress');

/** Moves a stack to ACTION_IN_PROGRESS, writes the event and queues the work, together. */
async function begin(
  cloud: Cloud,
  s: StackRow,
  action: string,
  op: Op,
  changes: Partial<StackRow> = {},
  first?: (trx: HeatDb) => Promise<void>,
) {
  const traversal = uuid();
  await setStackState(
    cloud,
    s,
    action,
    'IN_PROGRESS',
    `Stack ${action} started`,
    { traversal, engine_boot: null, cancel: null, ...changes },
    { before: first, after: (trx) => enqueue(cloud, s.id, op, traversal, trx) },
  );
}

/** abandon data (JSON or YAML text, or a map) to adopt: its template, environment and resources. */
function adoptData(raw: unknown): {
  template: unknown;
  environment?: Environment;
  resources?: Record<string, AdoptData>;
} {
  let parsed: unknown = raw;
  try {
    if (typeof raw === 'string') parsed = parseYamlOrJson(raw, 'adopt data');
  } catch (e) {
    throw new BadRequest(`Invalid adopt data: ${(e as Error).message}`);
  }
  if (!isMap(parsed)) throw new BadRequest('Invalid adopt data: the adopt data is not a map');
  if (!('template' in parsed)) throw new BadRequest("Invalid adopt data: 'template'");
  return parsed as ReturnType<typeof adoptData>;
}

function options(data: Record<string, unknown>) {
  const out: Partial<StackRow> = {};
  if (
    data.timeout_mins !== undefined &&
    data.timeout_mins !== null &&
    data.timeout_mins !== 0 &&
    data.timeout_mins !== '0'
  )
    out.timeout_mins = intParam('timeout_mins', data.timeout_mins, false);
  if (data.disable_rollback !== undefined)
    out.disable_rollback = boolParam('disable_rollback', data.disable_rollback) ? 1 : 0;
  if (data.tags !== undefined) out.tags = toJson(tagsParam(data.tags));
  return out;
}

export async function createStack(cloud: Cloud, auth: AuthContext, body: unknown): Promise<StackRow> {
  const data = (isMap(body) ? body : {}) as Record<string, unknown>;
  const name = stackName(data);
  const adopt = data.adopt_stack_data === undefined ? undefined : adoptData(data.adopt_stack_data);
  const inst = await readInstantiation(adopt ? { ...data, template: adopt.template } : body);
  if (adopt) inst.env.parameters = { ...(adopt.environment?.parameters ?? {}), ...inst.env.parameters };
  const opts = options(data);
  const taken = await hdb(cloud)
    .selectFrom('heat_stacks')
    .select('id')
    .where('project_id', '=', auth.projectId!)
    .where('name', '=', name)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  if (taken) throw new HeatError(409, `The Stack (${name}) already exists.`, 'StackExists');
  await checkStackCount(cloud, auth.projectId!);
  checkResourceCount(inst.template!);
  const id = uuid();
  const caller = callerOf(auth);
  const identity = { id, name, projectId: auth.projectId! };
  const { def, graph } = await validateStack(cloud, caller, { ...inst, template: inst.template!, identity }, true);
  const at = now();
  const row: StackRow = {
    id,
    name,
    project_id: auth.projectId!,
    user_id: auth.userId,
    username: auth.userName,
    context: toJson(caller),
    owner_id: null,
    root_id: null,
    parent_resource: null,
    nested_depth: 0,
    action: 'INIT',
    status: 'COMPLETE',
    status_reason: '',
    template: toJson(inst.template),
    environment: toJson(inst.env),
    files: toJson(inst.files),
    prev_template: null,
    prev_environment: null,
    prev_files: null,
    disable_rollback: 1,
    timeout_mins: null,
    tags: null,
    traversal: '',
    engine_boot: null,
    cancel: null,
    created_at: at,
    updated_at: null,
    deleted_at: null,
    ...opts,
  };
  const rows = graph.nodes.map((n) => {
    const r = newResourceRow(id, n, def.resources[n].type, [...graph.requires.get(n)!]);
    if (adopt) r.data = toJson({ adopt: adopt.resources?.[n] ?? {} });
    return r;
  });
  await begin(cloud, row, adopt ? 'ADOPT' : 'CREATE', adopt ? 'adopt' : 'create', {}, async (trx) => {
    await trx.insertInto('heat_stacks').values(row).execute();
    if (rows.length) await trx.insertInto('heat_resources').values(rows).execute();
  });
  return row;
}

/** PUT (replace everything) or PATCH (keep what the request leaves out) a stack. */
export async function updateStack(cloud: Cloud, auth: AuthContext, s: StackRow, body: unknown, patch: boolean) {
  const data = (isMap(body) ? body : {}) as Record<string, unknown>;
  if (s.status === 'IN_PROGRESS') throw inProgress(s);
  if (s.action === 'DELETE')
    throw new BadRequest('Updating a stack when it is deleting is not supported.', 'NotSupported');
  const inst = await readInstantiation(body, patch);
  const current = fromJson<Environment>(s.environment, {} as Environment);
  let env = inst.env;
  if (patch) {
    const params = { ...current.parameters, ...inst.env.parameters };
    for (const p of (data.clear_parameters as string[] | undefined) ?? []) delete params[p];
    env = inst.envGiven ? { ...current, ...inst.env, parameters: params } : { ...current, parameters: params };
  }
  const template = inst.template ?? fromJson(s.template, {});
  const files = patch ? { ...fromJson<Record<string, string>>(s.files, {}), ...inst.files } : inst.files;
  checkResourceCount(template);
  const identity = { id: s.id, name: s.name, projectId: s.project_id };
  const { def } = await validateStack(cloud, callerOf(auth), { template, env, files, identity }, true);
  const old = fromJson<Record<string, any>>(s.template, {}).parameters ?? {};
  const immutable = Object.keys(def.template.params).filter(
    (p) =>
      def.template.params[p].immutable &&
      p in old &&
      !deepEqual(current.parameters?.[p] ?? old[p]?.default, env.parameters[p] ?? def.template.params[p].default),
  );
  if (immutable.length)
    throw new HeatError(
      400,
      `The following parameters are immutable and may not be updated: ${immutable.join(', ')}`,
      'ImmutableParameterModified',
    );
  await begin(cloud, s, 'UPDATE', 'update', {
    template: toJson(template),
    environment: toJson(env),
    files: toJson(files),
    ...options(data),
  });
}

export async function deleteStack(cloud: Cloud, s: StackRow): Promise<void> {
  await begin(cloud, s, 'DELETE', 'delete');
}

/** POST .../actions: suspend, resume, check, cancel_update, cancel_without_rollback. */
export async function stackAction(cloud: Cloud, s: StackRow, body: unknown): Promise<void> {
  if (!isMap(body) || Object.keys(body).length < 1) throw new BadRequest('No action specified');
  if (Object.keys(body).length > 1) throw new BadRequest('Multiple actions specified');
  const action = Object.keys(body)[0];
  const state = `${s.action}_${s.status}`;
  switch (action) {
    case 'suspend':
    case 'resume':
    case 'check': {
      if (s.status === 'IN_PROGRESS') throw inProgress(s);
      const upper = action.toUpperCase();
      if ((upper === 'SUSPEND' || upper === 'RESUME') && state === `${upper}_COMPLETE`) return;
      return begin(cloud, s, upper, action as Op);
    }
    case 'cancel_update':
    case 'cancel_without_rollback': {
      const rollback = action === 'cancel_update';
      const allowed = s.status === 'IN_PROGRESS' && (s.action === 'UPDATE' || (!rollback && s.action === 'CREATE'));
      if (!allowed)
        throw new HeatError(400, `Cancelling update when stack is ${state} is not supported.`, 'NotSupported');
      await hdb(cloud)
        .updateTable('heat_stacks')
        .set({ cancel: rollback ? 'rollback' : 'norollback' })
        .where('id', '=', s.id)
        .execute();
      return;
    }
    default:
      throw new BadRequest(`Invalid action ${action} specified`);
  }
}
