import type { Cloud } from '../../cloud.js';
import { nextTurn, pacer } from '../../server/yield.js';
import { buildGraph, type Graph, topoOrder } from './engine/graph.js';
import type { Caller } from './engine/plugin.js';
import { checkPluginProperties } from './engine/properties.js';
import { resourceType } from './engine/registry.js';
import { constraintContext } from './engine/run.js';
import { HeatError, validationFailed } from './errors.js';
import { providerProperties } from './resources/template-resource.js';
import { StackDefinition, type StackIdentity } from './template/definition.js';
import { type Environment, isTemplateType } from './template/environment.js';
import { functionName, resolve } from './template/functions.js';
import { references } from './template/references.js';
import { isMap, TemplateError } from './template/scope.js';

// Validating a stack before anything is made: the template's structure, the
// parameters (their values too when `strict`, i.e. for create/update/preview),
// every resource's type, properties and references, the dependency graph.
// The first problem is reported with Heat's message; nothing is stored.

export interface StackInput {
  template: Record<string, unknown>;
  env: Environment;
  files: Record<string, string>;
  identity: StackIdentity;
}

const invalidAttribute = (resource: string, attr: string) =>
  new HeatError(400, `The Referenced Attribute (${resource} ${attr}) is incorrect.`, 'InvalidTemplateAttribute');

function checkAttributes(def: StackDefinition, snippet: unknown, where: string, unknownWhere?: string): void {
  for (const r of references(snippet, def.scope(), where)) {
    const target = def.template.resources[r.resource];
    if (!target) {
      throw new HeatError(
        400,
        `The specified reference "${r.resource}" (in ${unknownWhere ?? r.where}) is incorrect.`,
        'InvalidTemplateReference',
      );
    }
    if (!r.attr || !(r.resource in def.resources)) continue;
    const plugin = resourceType(def.resources[r.resource].type);
    if (plugin.openAttributes || r.attr === 'show') continue;
    if (!(r.attr in plugin.attributes)) throw invalidAttribute(r.resource, r.attr);
  }
}

/** The properties with their functions evaluated where they do not wait for other resources. */
async function checkResourceProperties(
  cloud: Cloud,
  caller: Caller,
  def: StackDefinition,
  name: string,
  strict: boolean,
): Promise<void> {
  const d = def.resources[name];
  const plugin = resourceType(d.type);
  const scope = def.scope();
  let snippet = d.properties;
  if (!isMap(snippet) || functionName(snippet, scope)) snippet = resolve(snippet, scope, `${name}.Properties`);
  if (!isMap(snippet))
    throw validationFailed(`Property error: resources.${name}.properties: "${snippet}" is not a map`);
  const known = isTemplateType(d.type) ? providerProperties(def.files, d.type) : Object.keys(plugin.properties);
  if (plugin.openProperties && !isTemplateType(d.type)) return;
  for (const k of Object.keys(snippet))
    if (!known.includes(k))
      throw validationFailed(`Property error: resources.${name}.properties: Unknown Property ${k}`);
  if (!strict || plugin.openProperties) return;
  const values: Record<string, unknown> = {};
  const waiting = new Set<string>();
  for (const [k, v] of Object.entries(snippet)) {
    if (references(v, scope, '').length > 0) {
      waiting.add(k);
      values[k] = v;
      continue;
    }
    try {
      values[k] = resolve(v, scope, `${name}.Properties.${k}`);
    } catch (e) {
      if (e instanceof TemplateError)
        throw validationFailed(`Property error: resources.${name}.properties.${k}: ${e.message}`);
      throw e;
    }
  }
  const props = await checkPluginProperties(plugin, values, name, constraintContext(cloud, caller), waiting);
  if (waiting.size === 0) await plugin.validate?.(props, cloud, caller);
}

export async function validateStack(
  cloud: Cloud,
  caller: Caller,
  input: StackInput,
  strict: boolean,
): Promise<{ def: StackDefinition; graph: Graph }> {
  // a template of up to 1000 resources: the loop is handed back every few of them
  const pace = pacer();
  const def = await StackDefinition.build({ ...input, strict, ctx: constraintContext(cloud, caller) });
  def.checkConditions();
  for (const d of Object.values(def.resources)) resourceType(d.type);
  await nextTurn();
  const graph = buildGraph(def);
  await nextTurn();
  topoOrder(graph, def);
  for (const [name, d] of Object.entries(def.resources)) {
    await pace();
    checkAttributes(def, d.properties, `${name}.Properties`);
    checkAttributes(def, d.metadata, `${name}.Metadata`);
    await checkResourceProperties(cloud, caller, def, name, strict);
  }
  for (const [name, o] of Object.entries(def.outputs)) {
    await pace();
    checkAttributes(def, o.value, `outputs.${name}`, 'unknown');
  }
  return { def, graph };
}
