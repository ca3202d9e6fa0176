import type { Kysely } from 'kysely';
import type { Cloud } from '../../cloud.js';
import type { Store } from '../../store/db.js';

// Row types and the queries every part of the orchestration service shares.

export interface StackRow {
  id: string;
  name: string;
  project_id: string;
  user_id: string;
  username: string;
  context: string;
  owner_id: string | null;
  root_id: string | null;
  parent_resource: string | null;
  nested_depth: number;
  action: string;
  status: string;
  status_reason: string;
  template: string;
  environment: string;
  files: string;
  prev_template: string | null;
  prev_environment: string | null;
  prev_files: string | null;
  disable_rollback: number;
  timeout_mins: number | null;
  tags: string | null;
  traversal: string;
  engine_boot: string | null;
  cancel: string | null;
  created_at: string;
  updated_at: string | null;
  deleted_at: string | null;
}

export interface ResourceRow {
  id: string;
  stack_id: string;
  name: string;
  type: string;
  action: string;
  status: string;
  status_reason: string;
  physical_id: string | null;
  properties: string;
  metadata: string;
  data: string;
  replaced: string;
  requires: string;
  created_at: string;
  updated_at: string | null;
}

export interface EventRow {
  seq: number;
  id: string;
  stack_id: string;
  resource_name: string;
  physical_resource_id: string | null;
  resource_action: string;
  resource_status: string;
  resource_status_reason: string;
  resource_type: string;
  resource_properties: string;
  created_at: string;
}

export interface SoftwareConfigRow {
  id: string;
  project_id: string;
  name: string;
  group: string;
  config: string;
  created_at: string;
}

export interface HeatTables {
  heat_stacks: StackRow;
  heat_resources: ResourceRow;
  heat_events: EventRow;
  heat_software_configs: SoftwareConfigRow;
}

export type HeatDb = Kysely<HeatTables>;

export function hdb(cloud: Cloud | Store): HeatDb {
  return ((cloud as Cloud).db ?? cloud) as HeatDb;
}

export async function getStackRow(cloud: Cloud, id: string): Promise<StackRow | undefined> {
  return hdb(cloud).selectFrom('heat_stacks').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function stackResources(cloud: Cloud, stackId: string): Promise<ResourceRow[]> {
  return hdb(cloud)
    .selectFrom('heat_resources')
    .selectAll()
    .where('stack_id', '=', stackId)
    .orderBy('created_at')
    .execute();
}

export async function getResourceRow(cloud: Cloud, stackId: string, name: string): Promise<ResourceRow | undefined> {
  return hdb(cloud)
    .selectFrom('heat_resources')
    .selectAll()
    .where('stack_id', '=', stackId)
    .where('name', '=', name)
    .executeTakeFirst();
}

/** Live stacks nested under these (one level), for nested_depth listings. */
export async function nestedStacks(cloud: Cloud, ownerIds: string[]): Promise<StackRow[]> {
  if (ownerIds.length === 0) return [];
  return hdb(cloud)
    .selectFrom('heat_stacks')
    .selectAll()
    .where('owner_id', 'in', ownerIds)
    .where('deleted_at', 'is', null)
    .execute();
}
