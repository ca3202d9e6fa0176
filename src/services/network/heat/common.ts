import type { Cloud } from '../../../cloud.js';
import type { AuthContext } from '../../../server/auth.js';
import { ApiError } from '../../../server/errors.js';
import { isUuid } from '../../../server/ids.js';
import {
  type AttributeSchema,
  type PropertySchema,
  type Props,
  type ResourceContext,
  ResourceError,
  type ResourcePlugin,
} from '../../orchestration/engine/plugin.js';
// network's own modules, not internal.ts: internal.ts re-exports findId and subnetsOn
import { createResource, deleteResource, type ResourceType, showResource, updateResource } from '../api-resources.js';
import { findFloatingIp, findNetwork, findSecurityGroup } from '../lookups.js';

// What the OS::Neutron::* types share: the Neutron API body built from the
// properties (Heat's prepare_properties: value_specs merged in, the name
// defaulting to the physical resource name), names resolved to ids, errors
// named as neutronclient names them, attributes read from the show body.

/** neutronclient raises `<type>Client` for these Neutron error types; others by status. */
const CLIENT_TYPES = new Set([
  'NetworkNotFound',
  'PortNotFound',
  'NetworkInUse',
  'PortInUse',
  'IpAddressInUse',
  'IpAddressAlreadyAllocated',
  'InvalidIpForNetwork',
  'InvalidIpForSubnet',
  'OverQuota',
  'IpAddressGenerationFailure',
  'MacAddressInUse',
  'ExternalIpAddressExhausted',
  'HostNotCompatibleWithFixedIps',
]);
const BY_STATUS: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  409: 'Conflict',
};

/** Runs a Neutron call, turning its errors into what Heat reports (neutronclient's class, Neutron's message). */
export async function neutronCall<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof ApiError && e.status < 500) {
      const type = CLIENT_TYPES.has(e.type) ? `${e.type}Client` : (BY_STATUS[e.status] ?? 'NeutronClientException');
      throw new ResourceError(type, e.message);
    }
    throw e;
  }
}

export type Kind = 'network' | 'subnet' | 'port' | 'router' | 'security_group' | 'floatingip';

/** neutronclient's find_resourceid_by_name_or_id: an id, or a name the caller can see. */
export async function findId(cloud: Cloud, ctx: AuthContext, kind: Kind, nameOrId: string): Promise<string> {
  const missing = () => new ResourceError('NotFound', `Unable to find ${kind} with name or id '${nameOrId}'`);
  if (kind === 'network') {
    const n = await findNetwork(cloud, ctx, nameOrId);
    if (!n) throw missing();
    return n.id as string;
  }
  if (kind === 'security_group') {
    const g = await findSecurityGroup(cloud, ctx, nameOrId);
    if (!g) throw missing();
    return g.id as string;
  }
  if (kind === 'floatingip') {
    const f = await findFloatingIp(cloud, ctx, nameOrId);
    if (!f) throw missing();
    return f.id as string;
  }
  // the internal API finds subnets, ports and routers by id only
  if (!isUuid(nameOrId)) throw missing();
  await showResource(cloud, ctx, kind, nameOrId).catch((e) => {
    if (e instanceof ApiError && e.status === 404) throw missing();
    throw e;
  });
  return nameOrId;
}

/** The Neutron custom constraints (neutron.network, ...): the value names something the caller can use. */
export function neutronConstraint(kind: Kind) {
  return async (value: unknown, ctx: { cloud: Cloud; caller: AuthContext }) => {
    try {
      await findId(ctx.cloud, ctx.caller, kind, String(value));
      return undefined;
    } catch (e) {
      if (e instanceof ResourceError) return e.message;
      throw e;
    }
  };
}

/** Drops unset values and merges value_specs, as Heat's prepare_properties does. */
export function prepare(r: ResourceContext, props: Props, withName = true): Record<string, unknown> {
  const { value_specs, ...rest } = props;
  const body: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(rest)) if (v !== null && v !== undefined) body[k] = v;
  if (withName && (body.name === undefined || body.name === '')) body.name = r.physicalName();
  return { ...body, ...(value_specs ?? {}) };
}

export const valueSpecs: PropertySchema = {
  type: 'map',
  description:
    'Extra parameters to include in the request. Parameters are often specific to installed hardware or extensions.',
  default: {},
  updateAllowed: true,
};

export const adminStateUp = (what: string): PropertySchema => ({
  type: 'boolean',
  description: `The administrative state of the ${what}.`,
  default: true,
  updateAllowed: true,
});

export const constrained = (
  kind: string,
  description: string,
  extra: Partial<PropertySchema> = {},
): PropertySchema => ({
  type: 'string',
  description,
  constraints: [{ kind: 'custom_constraint', name: `neutron.${kind}` }],
  ...extra,
});

export interface NeutronType {
  type: string;
  className: string;
  description: string;
  kind: Kind | 'security_group_rule';
  properties: Record<string, PropertySchema>;
  attributes: Record<string, AttributeSchema>;
  /** The API body for create (ids resolved). */
  body(r: ResourceContext, props: Props): Promise<Record<string, unknown>>;
  /** The API body for an update of the changed properties; no update means changes replace. */
  updateBody?(r: ResourceContext, props: Props, changed: string[]): Promise<Record<string, unknown>>;
  /** Work after create (rules of a security group). */
  afterCreate?(r: ResourceContext, view: Record<string, unknown>): Promise<void>;
  implicitDeps?: ResourcePlugin['implicitDeps'];
  version: string;
}

/** A resource type over one Neutron resource kind: create/update/delete/show through the internal API. */
export function neutronResource(t: NeutronType): ResourcePlugin {
  const kind = t.kind as ResourceType;
  return {
    type: t.type,
    className: t.className,
    description: t.description,
    supportStatus: { status: 'SUPPORTED', version: t.version },
    properties: t.properties,
    attributes: t.attributes,
    implicitDeps: t.implicitDeps,
    async create(r) {
      const body = await t.body(r, r.props);
      const view = await neutronCall(() => createResource(r.cloud, r.caller, kind, body));
      await r.setPhysicalId(view.id as string);
      await t.afterCreate?.(r, view);
    },
    update: t.updateBody
      ? async (r, _before, changed) => {
          const body = await t.updateBody!(r, r.props, changed);
          if (Object.keys(body).length)
            await neutronCall(() => updateResource(r.cloud, r.caller, kind, r.physicalId!, body));
        }
      : undefined,
    async delete(r) {
      if (!r.physicalId) return;
      await neutronCall(() => deleteResource(r.cloud, r.caller, kind, r.physicalId!)).catch((e) => {
        if (!(e instanceof ResourceError && e.heatType.includes('NotFound'))) throw e;
      });
    },
    async check(r) {
      await neutronCall(() => showResource(r.cloud, r.caller, kind, r.physicalId!));
    },
    async attribute(r, name) {
      if (!r.physicalId) return null;
      const view = await showResource(r.cloud, r.caller, kind, r.physicalId).catch(() => undefined);
      if (!view) return null;
      if (name === 'show') return view;
      return name in t.attributes ? (view[name] ?? null) : undefined;
    },
  };
}

/** The names a property's value resolves to, for implicit dependencies: a get_resource's target. */
export function refTarget(snippet: unknown): string | undefined {
  if (snippet && typeof snippet === 'object' && 'get_resource' in (snippet as Record<string, unknown>))
    return String((snippet as Record<string, unknown>).get_resource);
  return undefined;
}

/**
 * Heat's implicit dependency of ports and servers: the Subnets in the stack
 * on any of these networks (as the template names them).
 */
export function subnetsOn(
  networks: unknown[],
  others: { name: string; type: string; properties: unknown }[],
  resolve: (snippet: unknown) => unknown,
): string[] {
  const nets = new Set<unknown>(networks.filter((n) => n !== null && n !== undefined));
  return others
    .filter((o) => o.type === 'OS::Neutron::Subnet' && nets.has(resolve((o.properties as Props)?.network)))
    .map((o) => o.name);
}
