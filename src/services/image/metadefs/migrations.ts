import type { Kysely, Migration } from 'kysely';

// Glance's metadata definitions catalog: namespaces of property, object and
// tag definitions, associated with resource types (OS::Glance::Image, ...).
// Definitions are JSON text; everything of a namespace goes with it.
export const metadefMigrations: Record<string, Migration> = {
  'image/0002_metadefs': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('metadef_namespaces')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('namespace', 'text', (c) => c.notNull().unique())
        .addColumn('display_name', 'text')
        .addColumn('description', 'text')
        .addColumn('visibility', 'text', (c) => c.notNull())
        .addColumn('protected', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('owner', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('metadef_resource_types')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('protected', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      const child = (name: string) =>
        db.schema
          .createTable(name)
          .addColumn('namespace_id', 'text', (c) => c.notNull().references('metadef_namespaces.id').onDelete('cascade'))
          .addColumn('name', 'text', (c) => c.notNull());
      await child('metadef_associations')
        .addColumn('prefix', 'text')
        .addColumn('properties_target', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('metadef_associations_pk', ['namespace_id', 'name'])
        .execute();
      await child('metadef_objects')
        .addColumn('description', 'text')
        .addColumn('required', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('properties', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('metadef_objects_pk', ['namespace_id', 'name'])
        .execute();
      await child('metadef_properties')
        .addColumn('json_schema', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('metadef_properties_pk', ['namespace_id', 'name'])
        .execute();
      await child('metadef_tags')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('metadef_tags_pk', ['namespace_id', 'name'])
        .execute();
    },
  },
};
