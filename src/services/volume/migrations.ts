import type { Kysely, Migration } from 'kysely';

// Cinder's tables, prefixed volume_ so they never meet another service's
// (Keystone has `services`, Nova and Neutron have quotas). Metadata lives in
// key/value tables so list filters and pagination stay in SQL.

const text = 'text' as const;

export const migrations: Record<string, Migration> = {
  'volume/0001_init': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('volume_types')
        .addColumn('id', text, (c) => c.primaryKey())
        .addColumn('name', text, (c) => c.notNull().unique())
        .addColumn('description', text)
        .addColumn('is_public', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('qos_specs_id', text)
        .addColumn('created_at', text, (c) => c.notNull())
        .addColumn('updated_at', text)
        .execute();
      await db.schema
        .createTable('volume_type_extra_specs')
        .addColumn('volume_type_id', text, (c) => c.notNull().references('volume_types.id').onDelete('cascade'))
        .addColumn('key', text, (c) => c.notNull())
        .addColumn('value', text, (c) => c.notNull())
        .addPrimaryKeyConstraint('volume_type_extra_specs_pk', ['volume_type_id', 'key'])
        .execute();
      await db.schema
        .createTable('volume_type_projects')
        .addColumn('volume_type_id', text, (c) => c.notNull().references('volume_types.id').onDelete('cascade'))
        .addColumn('project_id', text, (c) => c.notNull())
        .addPrimaryKeyConstraint('volume_type_projects_pk', ['volume_type_id', 'project_id'])
        .execute();

      await db.schema
        .createTable('volumes')
        .addColumn('id', text, (c) => c.primaryKey())
        .addColumn('project_id', text, (c) => c.notNull())
        .addColumn('user_id', text, (c) => c.notNull())
        .addColumn('name', text)
        .addColumn('description', text)
        .addColumn('size', 'integer', (c) => c.notNull())
        .addColumn('status', text, (c) => c.notNull())
        .addColumn('availability_zone', text, (c) => c.notNull())
        .addColumn('volume_type_id', text, (c) => c.notNull())
        .addColumn('snapshot_id', text)
        .addColumn('source_volid', text)
        .addColumn('image_id', text)
        .addColumn('backup_id', text)
        .addColumn('bootable', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('multiattach', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('migration_status', text)
        .addColumn('host', text)
        .addColumn('previous_status', text)
        /** Why the last operation failed (logged; Cinder shows it only through user messages). */
        .addColumn('fault', text)
        .addColumn('created_at', text, (c) => c.notNull())
        .addColumn('updated_at', text)
        .execute();
      await db.schema.createIndex('volumes_project').on('volumes').columns(['project_id', 'created_at']).execute();
      // admin metadata holds Cinder's readonly and attached_mode, shown in metadata
      for (const t of ['volume_metadata', 'volume_image_metadata', 'volume_admin_metadata']) {
        await db.schema
          .createTable(t)
          .addColumn('volume_id', text, (c) => c.notNull().references('volumes.id').onDelete('cascade'))
          .addColumn('key', text, (c) => c.notNull())
          .addColumn('value', text, (c) => c.notNull())
          .addPrimaryKeyConstraint(`${t}_pk`, ['volume_id', 'key'])
          .execute();
      }

      await db.schema
        .createTable('volume_attachments')
        .addColumn('id', text, (c) => c.primaryKey())
        .addColumn('volume_id', text, (c) => c.notNull().references('volumes.id').onDelete('cascade'))
        .addColumn('instance_uuid', text)
        .addColumn('attached_host', text)
        .addColumn('mountpoint', text)
        .addColumn('attach_mode', text, (c) => c.notNull().defaultTo('rw'))
        .addColumn('attach_status', text, (c) => c.notNull())
        .addColumn('connector', text)
        .addColumn('attach_time', text)
        .addColumn('detach_time', text)
        .addColumn('created_at', text, (c) => c.notNull())
        .addColumn('updated_at', text)
        .execute();
      await db.schema.createIndex('volume_attachments_volume').on('volume_attachments').column('volume_id').execute();

      await db.schema
        .createTable('volume_snapshots')
        .addColumn('id', text, (c) => c.primaryKey())
        .addColumn('project_id', text, (c) => c.notNull())
        .addColumn('user_id', text, (c) => c.notNull())
        .addColumn('volume_id', text, (c) => c.notNull())
        .addColumn('volume_type_id', text, (c) => c.notNull())
        .addColumn('name', text)
        .addColumn('description', text)
        .addColumn('size', 'integer', (c) => c.notNull())
        .addColumn('status', text, (c) => c.notNull())
        .addColumn('progress', text, (c) => c.notNull().defaultTo('0%'))
        .addColumn('fault', text)
        .addColumn('created_at', text, (c) => c.notNull())
        .addColumn('updated_at', text)
        .execute();
      await db.schema.createIndex('volume_snapshots_volume').on('volume_snapshots').column('volume_id').execute();
      await db.schema
        .createTable('volume_snapshot_metadata')
        .addColumn('snapshot_id', text, (c) => c.notNull().references('volume_snapshots.id').onDelete('cascade'))
        .addColumn('key', text, (c) => c.notNull())
        .addColumn('value', text, (c) => c.notNull())
        .addPrimaryKeyConstraint('volume_snapshot_metadata_pk', ['snapshot_id', 'key'])
        .execute();

      await db.schema
        .createTable('volume_backups')
        .addColumn('id', text, (c) => c.primaryKey())
        .addColumn('project_id', text, (c) => c.notNull())
        .addColumn('user_id', text, (c) => c.notNull())
        .addColumn('volume_id', text, (c) => c.notNull())
        .addColumn('snapshot_id', text)
        .addColumn('parent_id', text)
        .addColumn('name', text)
        .addColumn('description', text)
        .addColumn('status', text, (c) => c.notNull())
        .addColumn('size', 'integer', (c) => c.notNull())
        .addColumn('object_count', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('container', text)
        .addColumn('availability_zone', text)
        .addColumn('is_incremental', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('fail_reason', text)
        .addColumn('data_timestamp', text, (c) => c.notNull())
        .addColumn('restore_volume_id', text)
        .addColumn('created_at', text, (c) => c.notNull())
        .addColumn('updated_at', text)
        .execute();
      await db.schema.createIndex('volume_backups_volume').on('volume_backups').column('volume_id').execute();
      await db.schema.createIndex('volume_backups_parent').on('volume_backups').column('parent_id').execute();
      await db.schema
        .createTable('volume_backup_metadata')
        .addColumn('backup_id', text, (c) => c.notNull().references('volume_backups.id').onDelete('cascade'))
        .addColumn('key', text, (c) => c.notNull())
        .addColumn('value', text, (c) => c.notNull())
        .addPrimaryKeyConstraint('volume_backup_metadata_pk', ['backup_id', 'key'])
        .execute();

      await db.schema
        .createTable('volume_services')
        .addColumn('binary', text, (c) => c.notNull())
        .addColumn('host', text, (c) => c.notNull())
        .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('disabled_reason', text)
        .addColumn('frozen', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('updated_at', text)
        .addPrimaryKeyConstraint('volume_services_pk', ['binary', 'host'])
        .execute();

      await db.schema
        .createTable('volume_quotas')
        .addColumn('project_id', text, (c) => c.notNull())
        .addColumn('resource', text, (c) => c.notNull())
        .addColumn('hard_limit', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('volume_quotas_pk', ['project_id', 'resource'])
        .execute();
    },
  },
  'volume/0002_qos_transfers_backup_data': {
    async up(db: Kysely<any>) {
      // the backup whose directory holds a backup's data: itself, or the
      // original of an imported record (two records may share one copy)
      await db.schema.alterTable('volume_backups').addColumn('data_id', text).execute();
      await db.schema
        .createTable('volume_qos_specs')
        .addColumn('id', text, (c) => c.primaryKey())
        .addColumn('name', text, (c) => c.notNull().unique())
        .addColumn('consumer', text, (c) => c.notNull())
        .addColumn('specs', text, (c) => c.notNull())
        .addColumn('created_at', text, (c) => c.notNull())
        .addColumn('updated_at', text)
        .execute();
      await db.schema
        .createTable('volume_transfers')
        .addColumn('id', text, (c) => c.primaryKey())
        .addColumn('volume_id', text, (c) => c.notNull().references('volumes.id').onDelete('cascade'))
        .addColumn('name', text)
        .addColumn('salt', text, (c) => c.notNull())
        /** sha256 of salt + auth key: the key itself is shown once, at creation. */
        .addColumn('crypt_hash', text, (c) => c.notNull())
        .addColumn('source_project_id', text, (c) => c.notNull())
        .addColumn('destination_project_id', text)
        .addColumn('accepted', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('no_snapshots', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', text, (c) => c.notNull())
        .execute();
    },
  },
  'volume/0003_type_encryption': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('volume_type_encryption')
        .addColumn('volume_type_id', text, (c) => c.primaryKey().references('volume_types.id').onDelete('cascade'))
        .addColumn('encryption_id', text, (c) => c.notNull())
        .addColumn('provider', text, (c) => c.notNull())
        .addColumn('cipher', text)
        .addColumn('key_size', 'integer')
        .addColumn('control_location', text, (c) => c.notNull())
        .addColumn('created_at', text, (c) => c.notNull())
        .addColumn('updated_at', text)
        .execute();
    },
  },
  'volume/0004_messages': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('volume_messages')
        .addColumn('id', text, (c) => c.primaryKey())
        .addColumn('project_id', text, (c) => c.notNull())
        .addColumn('request_id', text, (c) => c.notNull())
        .addColumn('resource_type', text, (c) => c.notNull())
        .addColumn('resource_uuid', text)
        .addColumn('event_id', text, (c) => c.notNull())
        .addColumn('message_level', text, (c) => c.notNull())
        .addColumn('user_message', text, (c) => c.notNull())
        .addColumn('created_at', text, (c) => c.notNull())
        .addColumn('expires_at', text, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('volume_messages_project').on('volume_messages').column('project_id').execute();
    },
  },
  // generic volume groups (3.11 group types, 3.13 groups, 3.14 group snapshots)
  'volume/0005_groups': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('volume_group_types')
        .addColumn('id', text, (c) => c.primaryKey())
        .addColumn('name', text, (c) => c.notNull().unique())
        .addColumn('description', text)
        .addColumn('is_public', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('created_at', text, (c) => c.notNull())
        .addColumn('updated_at', text)
        .execute();
      await db.schema
        .createTable('volume_group_type_specs')
        .addColumn('group_type_id', text, (c) => c.notNull().references('volume_group_types.id').onDelete('cascade'))
        .addColumn('key', text, (c) => c.notNull())
        // group specs may be null (Cinder's schema allows it)
        .addColumn('value', text)
        .addPrimaryKeyConstraint('volume_group_type_specs_pk', ['group_type_id', 'key'])
        .execute();
      await db.schema
        .createTable('volume_groups')
        .addColumn('id', text, (c) => c.primaryKey())
        .addColumn('project_id', text, (c) => c.notNull())
        .addColumn('user_id', text, (c) => c.notNull())
        .addColumn('name', text)
        .addColumn('description', text)
        .addColumn('status', text, (c) => c.notNull())
        .addColumn('availability_zone', text, (c) => c.notNull())
        .addColumn('group_type_id', text, (c) => c.notNull())
        .addColumn('group_snapshot_id', text)
        .addColumn('source_group_id', text)
        .addColumn('created_at', text, (c) => c.notNull())
        .addColumn('updated_at', text)
        .execute();
      await db.schema
        .createTable('volume_group_volume_types')
        .addColumn('group_id', text, (c) => c.notNull().references('volume_groups.id').onDelete('cascade'))
        .addColumn('volume_type_id', text, (c) => c.notNull())
        .addPrimaryKeyConstraint('volume_group_volume_types_pk', ['group_id', 'volume_type_id'])
        .execute();
      await db.schema
        .createTable('volume_group_snapshots')
        .addColumn('id', text, (c) => c.primaryKey())
        .addColumn('project_id', text, (c) => c.notNull())
        .addColumn('user_id', text, (c) => c.notNull())
        .addColumn('group_id', text, (c) => c.notNull())
        .addColumn('group_type_id', text, (c) => c.notNull())
        .addColumn('name', text)
        .addColumn('description', text)
        .addColumn('status', text, (c) => c.notNull())
        .addColumn('created_at', text, (c) => c.notNull())
        .addColumn('updated_at', text)
        .execute();
      await db.schema.alterTable('volumes').addColumn('group_id', text).execute();
      await db.schema.alterTable('volume_snapshots').addColumn('group_snapshot_id', text).execute();
      await db.schema.createIndex('volumes_group').on('volumes').column('group_id').execute();
    },
  },
};
