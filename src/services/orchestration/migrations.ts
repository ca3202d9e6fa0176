import type { Kysely, Migration } from 'kysely';

// Heat's engine state: stacks (nested ones too, with owner_id), their
// resources, the event log and software configs. Templates, environments
// and resource data are JSON text (store/json.ts).
export const migrations: Record<string, Migration> = {
  'orchestration/0001_init': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('heat_stacks')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('project_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('username', 'text', (c) => c.notNull())
        // the caller's roles, so the engine acts as the user who asked (Heat keeps a trust)
        .addColumn('context', 'text', (c) => c.notNull())
        .addColumn('owner_id', 'text')
        .addColumn('root_id', 'text')
        .addColumn('parent_resource', 'text')
        .addColumn('nested_depth', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('status_reason', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('template', 'text', (c) => c.notNull())
        .addColumn('environment', 'text', (c) => c.notNull())
        .addColumn('files', 'text', (c) => c.notNull().defaultTo('{}'))
        // what a rollback returns to: the last template, environment and files that completed
        .addColumn('prev_template', 'text')
        .addColumn('prev_environment', 'text')
        .addColumn('prev_files', 'text')
        .addColumn('disable_rollback', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('timeout_mins', 'integer')
        .addColumn('tags', 'text')
        // which run of the engine owns the stack now; a run that is superseded stops
        .addColumn('traversal', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('engine_boot', 'text')
        .addColumn('cancel', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text')
        .addColumn('deleted_at', 'text')
        .execute();
      await db.schema.createIndex('heat_stacks_project').on('heat_stacks').columns(['project_id', 'name']).execute();
      await db.schema.createIndex('heat_stacks_owner').on('heat_stacks').column('owner_id').execute();
      await db.schema
        .createTable('heat_resources')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('stack_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('status_reason', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('physical_id', 'text')
        .addColumn('properties', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('metadata', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('data', 'text', (c) => c.notNull().defaultTo('{}'))
        // physical resources an update replaced, deleted once the update has moved on
        .addColumn('replaced', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('requires', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text')
        .addUniqueConstraint('heat_resources_stack_name', ['stack_id', 'name'])
        .execute();
      await db.schema
        .createTable('heat_events')
        .addColumn('seq', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('id', 'text', (c) => c.notNull().unique())
        .addColumn('stack_id', 'text', (c) => c.notNull())
        .addColumn('resource_name', 'text', (c) => c.notNull())
        .addColumn('physical_resource_id', 'text')
        .addColumn('resource_action', 'text', (c) => c.notNull())
        .addColumn('resource_status', 'text', (c) => c.notNull())
        .addColumn('resource_status_reason', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('resource_type', 'text', (c) => c.notNull())
        .addColumn('resource_properties', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('heat_events_stack').on('heat_events').columns(['stack_id', 'seq']).execute();
      await db.schema
        .createTable('heat_software_configs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('project_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('group', 'text', (c) => c.notNull())
        .addColumn('config', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
    },
  },
};
