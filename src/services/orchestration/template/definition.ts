import { HeatError, validationFailed } from '../errors.js';
import type { ConstraintContext } from './constraints.js';
import type { Environment } from './environment.js';
import { conditionValue, functionName, resolve } from './functions.js';
import {
  checkParamSchema,
  checkParamValue,
  convertParam,
  type ParamSchema,
  PSEUDO_PARAMS,
  userParameterMissing,
} from './parameters.js';
import { isMap, type Scope, TemplateError } from './scope.js';
import { type OutputDefn, type ResourceDefn, Template } from './template.js';

// A template bound to a stack: its parameters have values, its conditions
// are decided, and the resources whose condition is false are left out.
// Evaluating snippets against it needs a view of the resources (the engine's).

export interface StackIdentity {
  id: string;
  name: string;
  projectId: string;
}

/** What the engine knows of resources while functions are evaluated. */
export interface ResourceView {
  ref(name: string): unknown;
  /** The attribute with get_attr's path followed. */
  attr(name: string, attr: string | null, path: unknown[]): unknown;
}

export const invalidReference = (resource: string, where: string) =>
  new HeatError(400, `The specified reference "${resource}" (in ${where}) is incorrect.`, 'InvalidTemplateReference');

export interface DefinitionInput {
  template: Record<string, unknown>;
  env: Environment;
  files: Record<string, string>;
  identity: StackIdentity;
  /** Check parameter values (stack create/update); the validate API does not. */
  strict: boolean;
  ctx: ConstraintContext;
}

export class StackDefinition {
  readonly template: Template;
  readonly params = new Map<string, unknown>();
  /** The resources whose condition holds, by name. */
  readonly resources: Record<string, ResourceDefn> = {};
  readonly outputs: Record<string, OutputDefn>;
  private conditionValues = new Map<string, boolean | 'busy'>();

  private constructor(readonly input: DefinitionInput) {
    this.template = new Template(input.template, input.env);
    this.outputs = this.template.outputs;
  }

  get identity(): StackIdentity {
    return this.input.identity;
  }
  get env(): Environment {
    return this.input.env;
  }
  get files(): Record<string, string> {
    return this.input.files;
  }
  get version() {
    return this.template.version;
  }
  paramSchema(name: string): ParamSchema | undefined {
    return this.template.params[name];
  }

  static async build(input: DefinitionInput): Promise<StackDefinition> {
    const d = new StackDefinition(input);
    await d.bindParams();
    d.checkParameterGroups();
    for (const [name, defn] of Object.entries(d.template.resources)) {
      if (name in d.template.params) throw validationFailed(`Duplicate names {'${name}'}`);
      if (
        defn.condition === undefined ||
        defn.condition === null ||
        d.enabled(defn.condition, `resources.${name}.condition`)
      )
        d.resources[name] = defn;
    }
    return d;
  }

  private async bindParams(): Promise<void> {
    const { env, identity, strict, ctx } = this.input;
    for (const k of Object.keys(env.parameters))
      if (!(k in this.template.params))
        throw new HeatError(400, `The Parameter (${k}) was not defined in template.`, 'UnknownUserParameter');
    for (const [name, schema] of Object.entries(this.template.params)) {
      await checkParamSchema(schema, schema.default);
      const raw = env.parameters[name] ?? env.parameter_defaults[name] ?? schema.default;
      if (raw === undefined || raw === null) {
        if (strict) throw userParameterMissing(name);
        continue;
      }
      if (strict) this.params.set(name, await checkParamValue(schema, raw, ctx));
      else {
        try {
          this.params.set(name, convertParam(schema, raw));
        } catch {
          this.params.set(name, raw);
        }
      }
    }
    this.params.set('OS::stack_id', identity.id);
    this.params.set('OS::stack_name', identity.name);
    this.params.set('OS::project_id', identity.projectId);
  }

  private checkParameterGroups(): void {
    const groups = this.template.parameterGroups;
    if (!groups || (Array.isArray(groups) && groups.length === 0)) return;
    const fail = (label: string, msg: string) =>
      validationFailed(`Parameter Groups error: parameter_groups${label ? `.${label}` : ''}: ${msg}`);
    if (!Array.isArray(groups)) throw fail('', 'The parameter_groups should be a list.');
    const seen = new Set<string>();
    for (const g of groups) {
      const label = isMap(g) ? String(g.label ?? '') : '';
      const ps = isMap(g) ? g.parameters : undefined;
      if (ps === undefined || ps === null)
        throw fail(label, 'The parameters must be provided for each parameter group.');
      if (!Array.isArray(ps)) throw fail(label, 'The parameters of parameter group should be a list.');
      for (const p of ps) {
        if (seen.has(p)) throw fail(label, `The ${p} parameter must be assigned to one parameter group only.`);
        seen.add(p);
        if (!(p in this.template.params) && !PSEUDO_PARAMS.includes(p))
          throw fail(label, `The grouped parameter ${p} does not reference a valid parameter.`);
      }
    }
  }

  /** A named condition's value (conditions may refer to each other, not in circles). */
  condition(name: string): boolean {
    const defs = this.template.conditions;
    if (!(name in defs)) throw new TemplateError(`Invalid condition "${name}"`);
    const known = this.conditionValues.get(name);
    if (known === 'busy')
      throw validationFailed(`Condition validation error: Circular definition for condition "${name}"`);
    if (known !== undefined) return known;
    const def = defs[name];
    const scope = { ...this.scope(), inConditions: true };
    if (typeof def !== 'boolean' && !functionName(def, scope))
      throw validationFailed(
        `Condition validation error: The definition of condition "${name}" is invalid: ${JSON.stringify(def)}`,
      );
    this.conditionValues.set(name, 'busy');
    const value = resolve(def, scope, `conditions.${name}`);
    if (typeof value !== 'boolean')
      throw validationFailed(
        `Condition validation error: The definition of condition "${name}" is invalid: ${JSON.stringify(value)}`,
      );
    this.conditionValues.set(name, value);
    return value;
  }

  /** Every condition decided (template validation reports a bad one even if nothing uses it). */
  checkConditions(): void {
    for (const name of Object.keys(this.template.conditions)) this.condition(name);
  }

  /** A resource's or output's `condition`: absent means enabled. */
  enabled(cond: unknown, where: string): boolean {
    if (cond === undefined || cond === null) return true;
    try {
      return conditionValue(cond, this.scope(), where);
    } catch (e) {
      if (e instanceof TemplateError) throw validationFailed(`${where}: ${e.message}`);
      throw e;
    }
  }

  /**
   * The scope functions are evaluated in. Without a resource view, a
   * reference to a resource yields its name (get_resource) or nothing
   * (get_attr), as Heat does before resources exist.
   */
  scope(view?: ResourceView): Scope {
    const known = (name: string, where: string) => {
      if (!(name in this.template.resources)) throw invalidReference(name, where);
      return name in this.resources;
    };
    return {
      version: this.version,
      files: this.files,
      param: (name) => {
        if (!this.params.has(name)) {
          if (name in this.template.params || PSEUDO_PARAMS.includes(name)) throw userParameterMissing(name);
          throw new HeatError(400, `The Parameter (${name}) was not provided.`, 'UserParameterMissing');
        }
        return this.params.get(name);
      },
      hasParam: (name) => name in this.template.params || PSEUDO_PARAMS.includes(name),
      condition: (name) => this.condition(name),
      resourceRef: (name, where) => {
        if (!known(name, where)) return null;
        return view ? view.ref(name) : name;
      },
      resourceAttr: (name, attr, path, where) => {
        if (!known(name, where)) return null;
        return view ? view.attr(name, attr, path) : null;
      },
    };
  }
}
