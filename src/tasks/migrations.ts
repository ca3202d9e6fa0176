import type { Kysely, Migration } from 'kysely';

export const migrations: Record<string, Migration> = {
  'core/0001_tasks': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('tasks')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('resource_id', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('run_after', 'text', (c) => c.notNull())
        .addColumn('last_error', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('tasks_resource').on('tasks').column('resource_id').execute();
    },
  },
};
