import { fromJson } from '../../../store/json.js';
import type { ResourceContext, ResourcePlugin } from '../engine/plugin.js';
import { validationFailed } from '../errors.js';
import { getStackRow } from '../store.js';
import { type Environment, emptyEnvironment } from '../template/environment.js';
import { ParseError, parseTemplateText } from '../template/parse.js';
import { isMap } from '../template/scope.js';
import { validateStack } from '../validate.js';

// A provider template (Heat's TemplateResource): a resource whose type is a
// template file the client sent in `files` — named directly
// (`type: server.yaml`, which heatclient turns into a file:// URL) or
// through a resource_registry entry (`My::Server: server.yaml`). It owns a
// nested stack built from that template: the resource's properties are the
// nested stack's parameters, its outputs are the resource's attributes.

/** The nested template a provider type names, from the files map; Heat's error when it is not there. */
export function providerTemplate(files: Record<string, string>, type: string): Record<string, unknown> {
  const text = files[type];
  if (text === undefined) throw validationFailed(`Could not fetch remote template "${type}": Invalid URL scheme `);
  try {
    return parseTemplateText(text, type);
  } catch (e) {
    if (e instanceof ParseError) throw validationFailed(`Failed to parse template ${type}: ${e.message}`);
    throw e;
  }
}

/** The nested template's parameter names, i.e. the properties the resource takes. */
export function providerProperties(files: Record<string, string>, type: string): string[] {
  const params = providerTemplate(files, type).parameters;
  return isMap(params) ? Object.keys(params) : [];
}

/** The nested template, checked with the properties as its parameters before anything is made. */
async function template(r: ResourceContext) {
  const files = fromJson<Record<string, string>>(r.stack.files, {});
  const tmpl = providerTemplate(files, r.type);
  const env = { ...fromJson<Environment>(r.stack.environment, emptyEnvironment()), parameters: parameters(r) };
  const identity = { id: 'None', name: r.physicalName(), projectId: r.stack.project_id };
  await validateStack(r.cloud, r.caller, { template: tmpl, env, files, identity }, true);
  return tmpl;
}

/** The properties as the nested stack's parameter values (unset ones left to the template's defaults). */
function parameters(r: ResourceContext): Record<string, unknown> {
  return Object.fromEntries(Object.entries(r.props).filter(([, v]) => v !== null && v !== undefined));
}

/**
 * What get_resource gives, kept once the nested stack is made (refId must
 * answer at once): the nested template's `OS::stack_id` output when it has
 * one, else the nested stack's ARN, as Heat.
 */
async function keepRef(r: ResourceContext, tmpl: Record<string, unknown>) {
  const id = r.physicalId!;
  const nested = await getStackRow(r.cloud, id);
  let ref: unknown = `arn:openstack:heat::${r.stack.project_id}:stacks/${nested?.name}/${id}`;
  if (isMap(tmpl.outputs) && 'OS::stack_id' in tmpl.outputs) ref = await r.nested.output(id, 'OS::stack_id');
  await r.setData({ ref });
}

export const templateResource: ResourcePlugin = {
  type: 'TemplateResource',
  className: 'TemplateResource',
  description: 'A resource implemented by a nested template.',
  properties: {},
  attributes: {},
  openProperties: true,
  openAttributes: true,
  nestedStack: true,
  async create(r) {
    await r.setPhysicalId(null);
    const tmpl = await template(r);
    const id = await r.nested.create(tmpl, parameters(r));
    await r.setPhysicalId(id);
    await keepRef(r, tmpl);
  },
  async update(r) {
    if (!r.physicalId) return templateResource.create(r);
    const tmpl = await template(r);
    await r.nested.update(r.physicalId, tmpl, parameters(r));
    await keepRef(r, tmpl);
  },
  refId(r) {
    return r.data.ref ?? r.physicalId ?? r.name;
  },
  async delete(r) {
    if (r.physicalId && (await getStackRow(r.cloud, r.physicalId))) await r.nested.delete(r.physicalId);
  },
  async attribute(r, name) {
    if (!r.physicalId || name === 'show') return null;
    return r.nested.output(r.physicalId, name);
  },
};
