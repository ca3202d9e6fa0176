import type { Cloud } from '../../../cloud.js';
import type { AuthContext } from '../../../server/auth.js';
import type { StackRow } from '../store.js';
import type { Constraint } from '../template/constraints.js';
import type { ResourceDefn } from '../template/template.js';

// The contract between the engine and a resource type. A type lives in the
// folder of the service it drives (src/services/<service>/heat/<type>.ts)
// and talks to that service through its internal.ts, never over HTTP.

export type PropertyType = 'string' | 'integer' | 'number' | 'boolean' | 'list' | 'map' | 'any';

export interface PropertySchema {
  type: PropertyType;
  description?: string;
  required?: boolean;
  default?: unknown;
  /** Changing it updates the resource in place; otherwise a change replaces it. */
  updateAllowed?: boolean;
  /** It may not change at all once created. */
  immutable?: boolean;
  constraints?: Constraint[];
  /** A list's items. */
  items?: PropertySchema;
  /** A map's known keys. */
  entries?: Record<string, PropertySchema>;
}

export interface AttributeSchema {
  description: string;
  type?: 'string' | 'integer' | 'number' | 'boolean' | 'list' | 'map';
}

/**
 * The user a stack acts as: the one who made it (Heat keeps a trust for
 * this), as other services' internal APIs take a caller.
 */
export type Caller = AuthContext;

export type Props = Record<string, any>;

/** Everything a resource type sees of one resource while the engine drives it. */
export interface ResourceContext {
  cloud: Cloud;
  stack: StackRow;
  caller: Caller;
  name: string;
  type: string;
  /** Resolved properties, checked against the schema, defaults filled in. */
  props: Props;
  /** Resolved metadata. */
  metadata: Record<string, unknown>;
  /** The resource's update_policy (ResourceGroup's batch_create, rolling_update), functions resolved. */
  updatePolicy: Props;
  physicalId: string | null;
  /** This resource's own persisted data (Heat's resource_data). */
  data: Record<string, any>;
  /** Records the physical resource at once, so that a failure later still deletes it. */
  setPhysicalId(id: string | null): Promise<void>;
  setData(patch: Record<string, unknown>): Promise<void>;
  /** Heat's physical_resource_name: "<stack>-<resource>-<short id>". */
  physicalName(): string;
  /** Waits, failing early when the stack operation is cancelled, superseded or timed out. */
  sleep(ms: number): Promise<void>;
  /** Nested stacks (ResourceGroup): the engine that drives this stack, for a child. */
  nested: NestedStacks;
}

/** What a resource type that owns a nested stack may ask of the engine. */
export interface NestedStacks {
  create(template: Record<string, unknown>, params?: Record<string, unknown>): Promise<string>;
  update(stackId: string, template: Record<string, unknown>, params?: Record<string, unknown>): Promise<void>;
  delete(stackId: string): Promise<void>;
  /** The nested stack's outputs and members, for attributes. */
  resources(stackId: string): Promise<{ name: string; ref: unknown; attr(name: string): Promise<unknown> }[]>;
  output(stackId: string, name: string): Promise<unknown>;
}

export interface ResourcePlugin {
  type: string;
  /** Heat's plugin class name, used in messages ("Server", "TestResource"). */
  className?: string;
  description: string;
  properties: Record<string, PropertySchema>;
  attributes: Record<string, AttributeSchema>;
  /** Checks across properties once their values are known (beyond the schema); before create too. */
  validate?(props: Props, cloud: Cloud, caller: Caller): Promise<void> | void;
  create(r: ResourceContext): Promise<void>;
  /** Updates in place; only called when every changed property allows it. */
  update?(r: ResourceContext, previous: Props, changed: string[]): Promise<void>;
  /** Deletes the physical resource; must tolerate it being gone already. */
  delete(r: ResourceContext): Promise<void>;
  /**
   * One attribute (also "show"). A path-aware type gets get_attr's path and
   * applies it itself (ResourceGroup: to each member); for the others the
   * engine follows the path into what this returns.
   */
  attribute?(r: ResourceContext, name: string, path?: unknown[]): Promise<unknown>;
  pathAware?: boolean;
  /** A change that the schema allows in place but this type wants to replace for (TestResource). */
  needsReplace?(changed: string[], after: Props, before: Props): boolean;
  /** Takes any properties and any attribute names (OS::Heat::None, ResourceGroup members' attributes). */
  openProperties?: boolean;
  openAttributes?: boolean;
  /** What get_resource gives; the physical id by default. */
  refId?(r: ResourceContext): unknown;
  suspend?(r: ResourceContext): Promise<void>;
  resume?(r: ResourceContext): Promise<void>;
  /** Checks the physical resource still exists and is sound. */
  check?(r: ResourceContext): Promise<void>;
  /** Takes a signal (POST .../signal); returns what the SIGNAL event says of it. */
  signal?(r: ResourceContext, details: unknown): Promise<string | undefined>;
  /** Takes the physical resource's snapshot before deleting (deletion_policy Snapshot). */
  snapshotDelete?(r: ResourceContext): Promise<void>;
  /** Dependencies Heat's plugin adds on its own (a port waits for its network's subnets). */
  implicitDeps?(defn: ResourceDefn, others: ResourceDefn[], resolve: (snippet: unknown) => unknown): string[];
  /** The type owns a nested stack whose id is its physical id. */
  nestedStack?: boolean;
  /** A property that holds a secret and must not show in events. */
  hiddenProperties?: string[];
  supportStatus?: { status: string; version?: string; message?: string };
}

/** Refused by a resource type: Heat's class name for the error and its text. */
export class ResourceError extends Error {
  constructor(
    readonly heatType: string,
    message: string,
  ) {
    super(message);
  }
}
