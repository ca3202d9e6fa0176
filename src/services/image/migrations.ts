import type { Kysely, Migration } from 'kysely';

// Glance's data model, trimmed to what the v2 API exposes. A deleted image is
// gone (its row, properties, tags, members and data), as Glance shows it.
// Booleans are integers 0/1; property values are JSON text so a value comes
// back exactly as it went in.
export const migrations: Record<string, Migration> = {
  'image/0001_init': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('images')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('visibility', 'text', (c) => c.notNull())
        .addColumn('owner', 'text')
        .addColumn('disk_format', 'text')
        .addColumn('container_format', 'text')
        .addColumn('size', 'integer')
        .addColumn('virtual_size', 'integer')
        .addColumn('checksum', 'text')
        .addColumn('os_hash_algo', 'text')
        .addColumn('os_hash_value', 'text')
        .addColumn('min_disk', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('min_ram', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('protected', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('os_hidden', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('images_owner').on('images').column('owner').execute();
      await db.schema.createIndex('images_visibility').on('images').column('visibility').execute();
      await db.schema.createIndex('images_created').on('images').columns(['created_at', 'id']).execute();
      await db.schema
        .createTable('image_properties')
        .addColumn('image_id', 'text', (c) => c.notNull().references('images.id').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('image_properties_pk', ['image_id', 'name'])
        .execute();
      await db.schema.createIndex('image_properties_name').on('image_properties').columns(['name', 'value']).execute();
      await db.schema
        .createTable('image_tags')
        .addColumn('image_id', 'text', (c) => c.notNull().references('images.id').onDelete('cascade'))
        .addColumn('value', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('image_tags_pk', ['image_id', 'value'])
        .execute();
      await db.schema.createIndex('image_tags_value').on('image_tags').column('value').execute();
      await db.schema
        .createTable('image_members')
        .addColumn('image_id', 'text', (c) => c.notNull().references('images.id').onDelete('cascade'))
        .addColumn('member', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('image_members_pk', ['image_id', 'member'])
        .execute();
      await db.schema.createIndex('image_members_member').on('image_members').columns(['member', 'status']).execute();
    },
  },
  'image/0004_seeded': {
    // What was seeded follows the database: a data dir whose database was
    // deleted seeds again. A database that has images was seeded before.
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('image_meta')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .execute();
      const any = await db.selectFrom('images').select('id').limit(1).executeTakeFirst();
      if (any)
        await db
          .insertInto('image_meta')
          .values({ key: 'default_image_seeded', value: new Date().toISOString() })
          .execute();
    },
  },
};
