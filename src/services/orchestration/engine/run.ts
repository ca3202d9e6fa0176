import type { Cloud } from '../../../cloud.js';
import { ApiError } from '../../../server/errors.js';
import { fromJson, toJson } from '../../../store/json.js';
import { HeatError } from '../errors.js';
import { getStackRow, hdb, type ResourceRow, type StackRow, stackResources } from '../store.js';
import type { ConstraintContext } from '../template/constraints.js';
import { type ResourceView, StackDefinition } from '../template/definition.js';
import type { Environment } from '../template/environment.js';
import { resolve } from '../template/functions.js';
import { references } from '../template/references.js';
import { isMap, selectPath } from '../template/scope.js';
import type { Graph } from './graph.js';
import type { Caller, NestedStacks, Props, ResourceContext, ResourcePlugin } from './plugin.js';
import { ResourceError } from './plugin.js';
import { hasResourceType, resourceType } from './registry.js';

// One operation of the engine on one stack: its definition, its resources'
// rows, and the means to evaluate snippets against what exists so far.

/** Thrown inside a resource operation when the stack operation stops (cancel, timeout, superseded). */
export class Interrupted extends Error {}

/** A failure whose message is already a whole status reason (a nested stack's, rewritten for its parent). */
export class FormattedFailure extends Error {}

/** Heat's names for the errors other services' clients raise, by HTTP status. */
const CLIENT_ERRORS: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  409: 'Conflict',
  413: 'OverLimit',
  501: 'NotImplemented',
};

/** A failed resource's status_reason: "<ErrorType>: resources.<name>: <cause>". */
export function failureReason(name: string, err: unknown): string {
  let type = 'Error';
  let message = err instanceof Error ? err.message : String(err);
  if (err instanceof ResourceError) type = err.heatType;
  else if (err instanceof HeatError) type = err.type;
  else if (err instanceof ApiError) type = CLIENT_ERRORS[err.status] ?? 'InternalServerError';
  else if (err instanceof Interrupted || err instanceof FormattedFailure) return message;
  if (!message) message = type;
  return `${type}: resources.${name}: ${message}`;
}

/** Heat's short id: 12 lowercase base32 characters derived from a UUID. */
export function shortId(id: string): string {
  const hex = id.replace(/-/g, '').slice(0, 15);
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  let bits = BigInt(`0x${hex}`) << 0n;
  let out = '';
  for (let i = 0; i < 12; i++) {
    out = alphabet[Number(bits & 31n)] + out;
    bits >>= 5n;
  }
  return out;
}

export function stackCaller(stack: StackRow): Caller {
  return fromJson<Caller>(stack.context, {} as Caller);
}

export function constraintContext(cloud: Cloud, caller: Caller): ConstraintContext {
  return { cloud, caller };
}

const attrKey = (name: string, attr: string | null, path?: unknown[]) =>
  `${name}\u0000${attr ?? ''}${path ? `\u0000${JSON.stringify(path)}` : ''}`;

/** The state in which get_attr sees a resource (Heat: any action but INIT and DELETE). */
export function attributesReady(row: ResourceRow | undefined): boolean {
  return !!row && row.action !== 'INIT' && row.action !== 'DELETE';
}

export class StackRun {
  readonly rows = new Map<string, ResourceRow>();
  readonly caller: Caller;
  deadline?: number;
  /** The graph of the definition being walked (set by the operation). */
  graph?: Graph;
  /** The run of the parent stack, for a nested stack: it stops when its parent stops. */
  parent?: StackRun;

  constructor(
    readonly cloud: Cloud,
    readonly stack: StackRow,
    readonly def: StackDefinition,
    readonly traversal: string,
    readonly nested: (run: StackRun, resourceName: string) => NestedStacks,
  ) {
    this.caller = stackCaller(stack);
  }

  /** Loads a stack's definition (from its current or given template) and its resource rows. */
  static async load(
    cloud: Cloud,
    stack: StackRow,
    nested: (run: StackRun, resourceName: string) => NestedStacks,
    source: { template: string; environment: string; files: string } = stack,
  ): Promise<StackRun> {
    const caller = stackCaller(stack);
    const def = await StackDefinition.build({
      template: fromJson(source.template, {}),
      env: fromJson<Environment>(source.environment, {} as Environment),
      files: fromJson(source.files, {}),
      identity: { id: stack.id, name: stack.name, projectId: stack.project_id },
      strict: false,
      ctx: constraintContext(cloud, caller),
    });
    const run = new StackRun(cloud, stack, def, stack.traversal, nested);
    for (const row of await stackResources(cloud, stack.id)) run.rows.set(row.name, row);
    if (stack.timeout_mins) run.deadline = Date.now() + stack.timeout_mins * 60_000;
    return run;
  }

  plugin(type: string): ResourcePlugin {
    return resourceType(type);
  }

  /** Why this operation must stop now, if it must. */
  async interrupted(): Promise<string | undefined> {
    const up = await this.parent?.interrupted();
    if (up) return up;
    const s = await getStackRow(this.cloud, this.stack.id);
    if (!s || s.traversal !== this.traversal) return 'superseded';
    if (s.cancel) return `Stack ${this.stack.action} cancelled`;
    if (this.deadline !== undefined && Date.now() > this.deadline)
      return `${this.stack.action.charAt(0)}${this.stack.action.slice(1).toLowerCase()} timed out`;
    return undefined;
  }

  /** Another operation took the stack over: this one must not write the stack's end state. */
  async superseded(): Promise<boolean> {
    return (await this.interrupted()) === 'superseded';
  }

  /** The context a resource type works with, over a resource's row. */
  context(row: ResourceRow, props: Props = fromJson(row.properties, {}), metadata = fromJson(row.metadata, {})) {
    const run = this;
    const ctx: ResourceContext = {
      cloud: this.cloud,
      stack: this.stack,
      caller: this.caller,
      name: row.name,
      type: row.type,
      props,
      metadata,
      updatePolicy: this.updatePolicy(row.name),
      physicalId: row.physical_id,
      data: fromJson(row.data, {}),
      async setPhysicalId(id) {
        await hdb(run.cloud).updateTable('heat_resources').set({ physical_id: id }).where('id', '=', row.id).execute();
        row.physical_id = id;
        ctx.physicalId = id;
      },
      async setData(patch) {
        Object.assign(ctx.data, patch);
        row.data = toJson(ctx.data);
        await hdb(run.cloud).updateTable('heat_resources').set({ data: row.data }).where('id', '=', row.id).execute();
      },
      physicalName: () => `${this.stack.name}-${row.name}-${shortId(row.id)}`.slice(-255),
      async sleep(ms) {
        const why = await run.interrupted();
        if (why) throw new Interrupted(`${row.action} aborted (${why})`);
        await new Promise((r) => setTimeout(r, ms));
      },
      nested: this.nested(this, row.name),
    };
    return ctx;
  }

  /** A resource's update_policy with its functions (get_param) evaluated; none once it left the template. */
  updatePolicy(name: string): Props {
    const policy = this.def.resources[name]?.updatePolicy;
    if (!isMap(policy) || Object.keys(policy).length === 0) return {};
    const value = resolve(policy, this.def.scope(), `${name}.UpdatePolicy`);
    return isMap(value) ? value : {};
  }

  /** get_resource of a resource: its reference id, or its name before it exists. */
  ref(name: string): unknown {
    const row = this.rows.get(name);
    if (!row || row.action === 'INIT' || (row.physical_id === null && row.action === 'DELETE')) return name;
    const plugin = hasResourceType(row.type) ? resourceType(row.type) : undefined;
    if (plugin?.refId) return plugin.refId(this.context(row));
    return row.physical_id ?? name;
  }

  /** A view of the resources for evaluation, with the attributes `prefetch` fetched. */
  view(attrs: Map<string, unknown> = new Map()): ResourceView {
    return {
      ref: (name) => this.ref(name),
      attr: (name, attr, path) => {
        const row = this.rows.get(name);
        if (!row || !hasResourceType(row.type)) return null;
        if (resourceType(row.type).pathAware) return attrs.get(attrKey(name, attr, path)) ?? null;
        const v = attrs.get(attrKey(name, attr));
        return v === undefined || v === null ? null : selectPath(v, path);
      },
    };
  }

  /** Fetches every attribute the snippets read, so that evaluating them can be synchronous. */
  async prefetch(snippets: unknown[]): Promise<Map<string, unknown>> {
    const attrs = new Map<string, unknown>();
    const scope = this.def.scope();
    const refs = snippets.flatMap((s) => references(s, scope, ''));
    await Promise.all(
      refs
        .filter((r) => r.attr !== undefined)
        .map(async (r) => {
          const row = this.rows.get(r.resource);
          if (!attributesReady(row) || !hasResourceType(row!.type)) return;
          const path = resourceType(row!.type).pathAware ? (r.path ?? []) : undefined;
          const key = attrKey(r.resource, r.attr ?? null, path);
          if (attrs.has(key)) return;
          attrs.set(key, null);
          attrs.set(key, await this.attribute(row!, r.attr ?? null, path));
        }),
    );
    return attrs;
  }

  /** One attribute of a resource (all of them, but "show", for null). */
  async attribute(row: ResourceRow, attr: string | null, path?: unknown[]): Promise<unknown> {
    const plugin = resourceType(row.type);
    const ctx = this.context(row);
    if (attr === null) {
      const out: Record<string, unknown> = {};
      for (const a of Object.keys(plugin.attributes)) out[a] = (await plugin.attribute?.(ctx, a)) ?? null;
      return out;
    }
    return (await plugin.attribute?.(ctx, attr, path)) ?? null;
  }

  /** A resource's properties and metadata, evaluated against the resources as they are now. */
  async resolveResource(name: string): Promise<{ props: unknown; metadata: Record<string, unknown> }> {
    const d = this.def.resources[name];
    const scope = this.def.scope(this.view(await this.prefetch([d.properties, d.metadata])));
    const props = resolve(d.properties, scope, `${name}.Properties`);
    const metadata = resolve(d.metadata, scope, `${name}.Metadata`);
    return { props, metadata: isMap(metadata) ? metadata : {} };
  }
}
