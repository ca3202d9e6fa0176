import { HeatError, validationFailed } from '../errors.js';
import { isTemplateType } from '../template/environment.js';
import type { ResourcePlugin } from './plugin.js';
import { propertySchemaJson } from './properties.js';

// Every resource type the engine can drive, by name. Types register
// themselves from their service's heat/ folder (see resources/index.ts).

const plugins = new Map<string, ResourcePlugin>();
/** The one plugin for every type that names a template file (provider templates). */
let templateResource: ResourcePlugin | undefined;

export function registerResourceType(p: ResourcePlugin): void {
  plugins.set(p.type, p);
}

export function registerTemplateResource(p: ResourcePlugin): void {
  templateResource = p;
}

/** The plugin for a type, or Heat's "could not be found" when it has none. */
export function resourceType(type: string): ResourcePlugin {
  const p = plugins.get(type) ?? (isTemplateType(type) ? templateResource : undefined);
  if (!p) throw validationFailed(`The Resource Type (${type}) could not be found.`);
  return p;
}

export function hasResourceType(type: string): boolean {
  return plugins.has(type) || (!!templateResource && isTemplateType(type));
}

export function resourceTypeNames(): string[] {
  return [...plugins.keys()].sort();
}

export function resourceTypes(): ResourcePlugin[] {
  return resourceTypeNames().map((n) => plugins.get(n)!);
}

export function className(p: ResourcePlugin): string {
  return p.className ?? p.type.split('::').pop()!;
}

function supportStatus(p: ResourcePlugin) {
  return {
    status: p.supportStatus?.status ?? 'SUPPORTED',
    message: p.supportStatus?.message ?? null,
    version: p.supportStatus?.version ?? null,
    previous_status: null,
  };
}

/** GET /resource_types/{type}: the schema of a type. */
export function resourceTypeSchema(type: string, withDescription: boolean): Record<string, unknown> {
  const p = plugins.get(type);
  if (!p) throw new HeatError(404, `The Resource Type (${type}) could not be found.`, 'EntityNotFound');
  const out: Record<string, unknown> = {
    resource_type: p.type,
    properties: Object.fromEntries(Object.entries(p.properties).map(([k, s]) => [k, propertySchemaJson(s)])),
    attributes: Object.fromEntries(
      Object.entries({
        ...p.attributes,
        show: { description: 'Detailed information about resource.', type: 'map' },
      }).map(([k, a]) => [k, { description: a.description, ...(a.type ? { type: a.type } : {}) }]),
    ),
    support_status: supportStatus(p),
  };
  if (withDescription) out.description = p.description;
  return out;
}

/** GET /resource_types/{type}/template: a template exposing the type (Heat's "generate template"). */
export function resourceTypeTemplate(type: string): Record<string, unknown> {
  const p = plugins.get(type);
  if (!p) throw new HeatError(404, `The Resource Type (${type}) could not be found.`, 'EntityNotFound');
  const params: Record<string, unknown> = {};
  const props: Record<string, unknown> = {};
  for (const [k, s] of Object.entries(p.properties)) {
    const ptype = {
      integer: 'number',
      number: 'number',
      boolean: 'boolean',
      list: 'comma_delimited_list',
      map: 'json',
    }[s.type as string];
    params[k] = {
      type: ptype ?? 'string',
      description: s.description ?? '',
      ...(s.default !== undefined ? { default: s.default } : {}),
    };
    props[k] = { get_param: k };
  }
  return {
    heat_template_version: '2016-10-14',
    description: `Initial template of ${className(p)}`,
    parameters: params,
    resources: { [className(p)]: { type: p.type, properties: props } },
    outputs: Object.fromEntries(
      Object.entries(p.attributes).map(([k, a]) => [
        k,
        { description: a.description, value: { get_attr: [className(p), k] } },
      ]),
    ),
  };
}

export function supportStatusOf(p: ResourcePlugin): string {
  return supportStatus(p).status;
}
