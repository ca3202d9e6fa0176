import { HeatError, validationFailed } from '../errors.js';
import { type Environment, registryType } from './environment.js';
import { type ParamSchema, parseParamSchemas } from './parameters.js';
import { isMap } from './scope.js';
import { acceptedVersionNames, findVersion, type HotVersion } from './versions.js';

// A HOT template read and checked section by section, with Heat's messages;
// nothing here evaluates functions (see definition.ts).

export type DeletionPolicy = 'Delete' | 'Retain' | 'Snapshot';

export interface ResourceDefn {
  name: string;
  /** The type after the environment's resource_registry. */
  type: string;
  /** The type as written in the template. */
  templateType: string;
  properties: unknown;
  metadata: unknown;
  dependsOn: string[];
  deletionPolicy: DeletionPolicy;
  updatePolicy: unknown;
  description: string;
  condition: unknown;
  externalId: unknown;
}

export interface OutputDefn {
  name: string;
  value: unknown;
  description?: string;
  condition: unknown;
}

const RESOURCE_KEYS = [
  'type',
  'properties',
  'metadata',
  'depends_on',
  'deletion_policy',
  'update_policy',
  'description',
];
const DELETION_POLICIES: Record<string, DeletionPolicy> = { Delete: 'Delete', Retain: 'Retain', Snapshot: 'Snapshot' };

export class Template {
  readonly version: HotVersion;
  readonly description: string;
  readonly params: Record<string, ParamSchema>;
  readonly parameterGroups: unknown[];
  readonly conditions: Record<string, unknown>;
  readonly resources: Record<string, ResourceDefn>;
  readonly outputs: Record<string, OutputDefn>;

  constructor(
    readonly raw: Record<string, any>,
    env: Environment,
  ) {
    this.version = templateVersion(raw);
    const v = this.version;
    const sections = ['heat_template_version', 'description', 'parameter_groups', 'parameters', 'resources', 'outputs'];
    if (v.conditionFunctions.length) sections.push('conditions');
    for (const k of Object.keys(raw))
      if (!sections.includes(k))
        throw new HeatError(400, `The template section is invalid: ${k}`, 'InvalidTemplateSection');
    this.description = typeof raw.description === 'string' ? raw.description : 'No description';
    this.params = parseParamSchemas(raw.parameters, v);
    this.parameterGroups = raw.parameter_groups ?? [];
    const conds = raw.conditions ?? {};
    if (!isMap(conds))
      throw validationFailed(
        `Conditions validation error: Condition definitions must be a map. Found a ${pyType(conds)} instead`,
      );
    this.conditions = conds;
    this.resources = readResources(raw.resources ?? {}, v, env);
    this.outputs = readOutputs(raw.outputs ?? {});
  }
}

function pyType(v: unknown): string {
  return Array.isArray(v) ? 'list' : typeof v === 'string' ? 'str' : typeof v === 'number' ? 'int' : typeof v;
}

function templateVersion(raw: Record<string, any>): HotVersion {
  if ('AWSTemplateFormatVersion' in raw || 'HeatTemplateFormatVersion' in raw) {
    throw new HeatError(
      501,
      'pocketstack reads HOT templates (heat_template_version) only; CloudFormation-format templates are not supported.',
      'NotSupported',
    );
  }
  const v = findVersion(raw.heat_template_version);
  if (!v) {
    throw new HeatError(
      400,
      `The template version is invalid: "heat_template_version: ${raw.heat_template_version}". ` +
        `"heat_template_version" should be one of: ${acceptedVersionNames().join(', ')}`,
      'InvalidTemplateVersion',
    );
  }
  return v;
}

function readResources(section: unknown, v: HotVersion, env: Environment): Record<string, ResourceDefn> {
  if (!isMap(section))
    throw validationFailed(`"resources" must contain a map of resource maps. Found a [${pyType(section)}] instead`);
  const keys = v.conditionFunctions.length ? [...RESOURCE_KEYS, 'condition', 'external_id'] : RESOURCE_KEYS;
  const out: Record<string, ResourceDefn> = {};
  for (const name of Object.keys(section).sort()) {
    const d = section[name];
    if (d === null || d === undefined || (isMap(d) && Object.keys(d).length === 0))
      throw validationFailed('Each resource must contain a type key.');
    if (!isMap(d))
      throw validationFailed(`"resources" must contain a map of resource maps. Found a [${pyType(d)}] instead`);
    for (const k of Object.keys(d))
      if (!keys.includes(k)) throw validationFailed(`"${k}" is not a valid keyword inside a resource definition`);
    if (!('type' in d)) throw validationFailed('Each resource must contain a type key.');
    const mustBe = (key: string, ok: boolean, typename: string) => {
      if (key in d && !ok) throw validationFailed(`Resource ${name} ${key} type must be ${typename}`);
    };
    mustBe('type', typeof d.type === 'string', 'string');
    if (d.type === '') throw validationFailed(`Resource "${name}" has no type`);
    mustBe('properties', d.properties === null || isMap(d.properties), 'object');
    mustBe('metadata', d.metadata === null || isMap(d.metadata), 'object');
    mustBe('depends_on', typeof d.depends_on === 'string' || Array.isArray(d.depends_on), 'list or string');
    mustBe('update_policy', d.update_policy === null || isMap(d.update_policy), 'object');
    mustBe('description', typeof d.description === 'string', 'string');
    const deps = d.depends_on === undefined || d.depends_on === null ? [] : [d.depends_on].flat();
    if (deps.some((x: unknown) => typeof x !== 'string'))
      throw validationFailed(`Resource ${name} depends_on must be a list of strings`);
    let policy: DeletionPolicy = 'Delete';
    if (d.deletion_policy !== undefined && d.deletion_policy !== null) {
      const p = String(d.deletion_policy);
      // lower-case aliases arrived in 2016-10-14
      const cap = p.charAt(0).toUpperCase() + p.slice(1);
      const known =
        DELETION_POLICIES[p] ??
        (v.conditionFunctions.length && p === cap.toLowerCase() ? DELETION_POLICIES[cap] : undefined);
      if (!known) throw validationFailed(`Invalid deletion policy "${p}"`);
      policy = known;
    }
    out[name] = {
      name,
      type: registryType(env, d.type, name),
      templateType: d.type,
      properties: d.properties ?? {},
      metadata: d.metadata ?? {},
      dependsOn: deps as string[],
      deletionPolicy: policy,
      updatePolicy: d.update_policy ?? {},
      description: d.description ?? '',
      condition: d.condition,
      externalId: d.external_id,
    };
  }
  return out;
}

function readOutputs(section: unknown): Record<string, OutputDefn> {
  if (!isMap(section))
    throw validationFailed(`"outputs" must contain a map of output maps. Found a [${pyType(section)}] instead`);
  const out: Record<string, OutputDefn> = {};
  for (const [name, d] of Object.entries(section)) {
    if (!isMap(d))
      throw validationFailed(
        `Output validation error: outputs.${name}: Output definitions must be a map. Found a ${pyType(d)} instead`,
      );
    for (const k of Object.keys(d))
      if (!['description', 'value', 'condition'].includes(k))
        throw validationFailed(`"${k}" is not a valid keyword inside a output definition`);
    if (!('value' in d))
      throw validationFailed(
        `Output validation error: outputs.${name}: Each output definition must contain a value key.`,
      );
    out[name] = { name, value: d.value, description: d.description, condition: d.condition };
  }
  return out;
}
