import { hostname } from 'node:os';
import type { FastifyInstance } from 'fastify';
import type { Cloud } from '../../../cloud.js';
import { BadRequest, Forbidden } from '../../../server/errors.js';
import { uuid } from '../../../server/ids.js';
import { resourceTypeSchema, resourceTypes, resourceTypeTemplate, supportStatusOf } from '../engine/registry.js';
import { HeatError } from '../errors.js';
import { callerOf, checkTenant } from '../lookup.js';
import { readInstantiation } from '../request.js';
import { constraintJson } from '../template/constraints.js';
import { environmentJson } from '../template/environment.js';
import { API_TYPE, PSEUDO_PARAMS } from '../template/parameters.js';
import { functionDescription, HOT_VERSIONS } from '../template/versions.js';
import { validateStack } from '../validate.js';
import { boolQuery, one, type Query } from './common.js';

// Template validation and what the engine knows: resource types and their
// schemas, template versions and their functions, build info.

const tenantOf = (req: { params: unknown }) => (req.params as { tenant: string }).tenant;

function validateParameter(def: Awaited<ReturnType<typeof validateStack>>['def'], name: string) {
  const p = def.template.params[name];
  const out: Record<string, unknown> = {
    Type: API_TYPE[p.type],
    Description: p.description ?? '',
    NoEcho: p.hidden ? 'true' : 'false',
    Label: p.label ?? name,
  };
  if (p.default !== undefined) out.Default = p.default;
  const given = def.env.parameters[name];
  if (given !== undefined && given !== null && given !== '') out.Value = given;
  if (p.tags?.length) out.Tags = p.tags;
  const descriptions: string[] = [];
  for (const c of p.constraints) {
    const j = constraintJson(c) as Record<string, any>;
    if (j.length) {
      if (j.length.min !== undefined) out.MinLength = j.length.min;
      if (j.length.max !== undefined) out.MaxLength = j.length.max;
    } else if (j.range) {
      if (j.range.min !== undefined) out.MinValue = j.range.min;
      if (j.range.max !== undefined) out.MaxValue = j.range.max;
    } else if (j.modulo) {
      out.Step = j.modulo.step;
      out.Offset = j.modulo.offset;
    } else if (j.allowed_values) out.AllowedValues = j.allowed_values;
    else if (j.allowed_pattern) out.AllowedPattern = j.allowed_pattern;
    else if (j.custom_constraint) out.CustomConstraint = j.custom_constraint;
    if (c.description) descriptions.push(c.description);
  }
  if (descriptions.length) out.ConstraintDescription = descriptions.join(' ');
  return out;
}

export async function infoRoutes(app: FastifyInstance, cloud: Cloud) {
  app.post('/v1/:tenant/validate', async (req) => {
    checkTenant(req, tenantOf(req));
    const inst = await readInstantiation(req.body);
    const identity = { id: uuid(), name: 'dummy', projectId: req.auth.projectId! };
    let validated: Awaited<ReturnType<typeof validateStack>>;
    try {
      validated = await validateStack(
        cloud,
        callerOf(req.auth),
        { ...inst, template: inst.template!, identity },
        false,
      );
    } catch (e) {
      // the validate API answers every template problem as a plain 400 with the engine's message
      if (e instanceof HeatError && e.status === 400) throw new BadRequest(e.message);
      throw e;
    }
    const { def } = validated;
    const parameters: Record<string, unknown> = {};
    for (const name of Object.keys(def.template.params))
      if (!PSEUDO_PARAMS.includes(name)) parameters[name] = validateParameter(def, name);
    const out: Record<string, unknown> = { Description: def.template.raw.description ?? '', Parameters: parameters };
    if (Array.isArray(def.template.parameterGroups) && def.template.parameterGroups.length)
      out.ParameterGroups = def.template.parameterGroups;
    out.Environment = environmentJson(def.env);
    return out;
  });

  app.get('/v1/:tenant/resource_types', async (req) => {
    checkTenant(req, tenantOf(req));
    const q = req.query as Query;
    const name = one(q, 'name');
    const status = one(q, 'support_status');
    const withDescription = boolQuery(q, 'with_description');
    let types = resourceTypes();
    if (name) {
      let re: RegExp;
      try {
        re = new RegExp(name);
      } catch {
        throw new BadRequest(`Invalid resource type name filter: ${name}`);
      }
      types = types.filter((t) => re.test(t.type));
    }
    if (status) types = types.filter((t) => supportStatusOf(t) === status.toUpperCase());
    return {
      resource_types: withDescription
        ? types.map((t) => ({ resource_type: t.type, description: t.description }))
        : types.map((t) => t.type),
    };
  });
  app.get('/v1/:tenant/resource_types/:type', async (req) => {
    checkTenant(req, tenantOf(req));
    return resourceTypeSchema((req.params as { type: string }).type, boolQuery(req.query as Query, 'with_description'));
  });
  app.get('/v1/:tenant/resource_types/:type/template', async (req) => {
    checkTenant(req, tenantOf(req));
    const kind = one(req.query as Query, 'template_type') ?? 'cfn';
    if (kind !== 'hot' && kind !== 'cfn')
      throw new BadRequest(
        `Template type is not supported: Invalid template type "${kind}", valid types are: cfn, hot.`,
      );
    if (kind === 'cfn')
      throw new HeatError(501, 'pocketstack generates HOT templates only; ask with template_type=hot.', 'NotSupported');
    return resourceTypeTemplate((req.params as { type: string }).type);
  });

  app.get('/v1/:tenant/template_versions', async (req) => {
    checkTenant(req, tenantOf(req));
    return {
      template_versions: HOT_VERSIONS.map((v) => ({
        version: `heat_template_version.${v.date}`,
        type: 'hot',
        aliases: v.aliases.map((a) => `heat_template_version.${a}`),
      })),
    };
  });
  app.get('/v1/:tenant/template_versions/:version/functions', async (req) => {
    checkTenant(req, tenantOf(req));
    const name = (req.params as { version: string }).version;
    const v = HOT_VERSIONS.find((h) => [h.date, ...h.aliases].some((n) => `heat_template_version.${n}` === name));
    if (!v) throw new HeatError(404, `Template with version ${name} not found`, 'NotFound');
    const names = [...v.functions];
    if (boolQuery(req.query as Query, 'with_condition_func'))
      for (const f of v.conditionFunctions) if (!names.includes(f)) names.push(f);
    return { template_functions: names.map((f) => ({ functions: f, description: functionDescription(v, f) })) };
  });

  app.get('/v1/:tenant/build_info', async (req) => {
    checkTenant(req, tenantOf(req));
    return { api: { revision: 'pocketstack' }, engine: { revision: 'pocketstack' } };
  });
  app.get('/v1/:tenant/services', async (req) => {
    checkTenant(req, tenantOf(req));
    if (!req.auth.isAdmin) throw new Forbidden('Access was denied to this resource.');
    return { services: [engineService(cloud)] };
  });
}

/** Heat's python datetime: "2024-01-02T03:04:05.678000". */
const pyDatetime = (d: Date) => d.toISOString().replace(/\.(\d{3})Z$/, '.$1000');

const engines = new WeakMap<Cloud, { id: string; engineId: string; created: Date }>();

/**
 * The one heat-engine of this cloud, as `GET /services` lists engines
 * (heat.engine.service_utils.format_service): it reports in every time it is
 * asked, so it is up.
 */
function engineService(cloud: Cloud) {
  let e = engines.get(cloud);
  if (!e) {
    e = { id: uuid(), engineId: uuid(), created: new Date() };
    engines.set(cloud, e);
  }
  return {
    id: e.id,
    binary: 'heat-engine',
    engine_id: e.engineId,
    host: hostname(),
    hostname: hostname(),
    topic: 'engine',
    report_interval: 60,
    created_at: pyDatetime(e.created),
    updated_at: pyDatetime(new Date()),
    deleted_at: null,
    status: 'up',
  };
}
