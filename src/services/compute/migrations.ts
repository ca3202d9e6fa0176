import type { Kysely, Migration } from 'kysely';

// Nova's tables, prefixed nova_ so they never meet another service's
// (Neutron and Cinder have quotas too). JSON columns are TEXT (store/json.ts).

export const migrations: Record<string, Migration> = {
  'compute/0001_init': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('nova_flavors')
        .addColumn('flavorid', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('memory_mb', 'integer', (c) => c.notNull())
        .addColumn('vcpus', 'integer', (c) => c.notNull())
        .addColumn('root_gb', 'integer', (c) => c.notNull())
        .addColumn('ephemeral_gb', 'integer', (c) => c.notNull())
        .addColumn('swap', 'integer', (c) => c.notNull())
        .addColumn('rxtx_factor', 'real', (c) => c.notNull())
        .addColumn('is_public', 'integer', (c) => c.notNull())
        .addColumn('disabled', 'integer', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('extra_specs', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text')
        .execute();
      await db.schema
        .createTable('nova_flavor_projects')
        .addColumn('flavorid', 'text', (c) => c.notNull().references('nova_flavors.flavorid').onDelete('cascade'))
        .addColumn('project_id', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('nova_flavor_projects_pk', ['flavorid', 'project_id'])
        .execute();

      await db.schema
        .createTable('nova_keypairs')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('public_key', 'text', (c) => c.notNull())
        .addColumn('fingerprint', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('nova_keypairs_user_name', ['user_id', 'name'])
        .execute();

      await db.schema
        .createTable('nova_instances')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('uuid', 'text', (c) => c.notNull().unique())
        .addColumn('project_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('display_name', 'text', (c) => c.notNull())
        .addColumn('display_description', 'text')
        .addColumn('hostname', 'text', (c) => c.notNull())
        .addColumn('reservation_id', 'text', (c) => c.notNull())
        .addColumn('launch_index', 'integer', (c) => c.notNull())
        .addColumn('image_ref', 'text', (c) => c.notNull())
        .addColumn('flavor', 'text', (c) => c.notNull())
        .addColumn('flavorid', 'text', (c) => c.notNull())
        // the flavor's sizes again, as columns, so quota usage is one SUM
        .addColumn('vcpus', 'integer', (c) => c.notNull())
        .addColumn('memory_mb', 'integer', (c) => c.notNull())
        .addColumn('root_gb', 'integer', (c) => c.notNull())
        .addColumn('key_name', 'text')
        .addColumn('key_data', 'text')
        .addColumn('user_data', 'text')
        .addColumn('config_drive', 'text', (c) => c.notNull())
        .addColumn('availability_zone', 'text')
        .addColumn('vm_state', 'text', (c) => c.notNull())
        .addColumn('task_state', 'text')
        .addColumn('power_state', 'integer', (c) => c.notNull())
        .addColumn('host', 'text')
        .addColumn('node', 'text')
        .addColumn('launched_at', 'text')
        .addColumn('terminated_at', 'text')
        .addColumn('locked', 'integer', (c) => c.notNull())
        .addColumn('locked_by', 'text')
        .addColumn('locked_reason', 'text')
        .addColumn('access_ip_v4', 'text')
        .addColumn('access_ip_v6', 'text')
        .addColumn('progress', 'integer', (c) => c.notNull())
        .addColumn('metadata', 'text', (c) => c.notNull())
        .addColumn('system_metadata', 'text', (c) => c.notNull())
        .addColumn('security_groups', 'text', (c) => c.notNull())
        .addColumn('requested_networks', 'text', (c) => c.notNull())
        .addColumn('server_group_id', 'text')
        .addColumn('fault', 'text')
        .addColumn('root_device_name', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('deleted_at', 'text')
        .addColumn('deleted', 'integer', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('nova_instances_project')
        .on('nova_instances')
        .columns(['project_id', 'deleted'])
        .execute();
      await db.schema.createIndex('nova_instances_updated').on('nova_instances').column('updated_at').execute();
      await db.schema
        .createIndex('nova_instances_created')
        .on('nova_instances')
        .columns(['created_at', 'id'])
        .execute();

      await db.schema
        .createTable('nova_instance_tags')
        .addColumn('instance_uuid', 'text', (c) => c.notNull().references('nova_instances.uuid').onDelete('cascade'))
        .addColumn('tag', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('nova_instance_tags_pk', ['instance_uuid', 'tag'])
        .execute();
      await db.schema.createIndex('nova_instance_tags_tag').on('nova_instance_tags').column('tag').execute();

      // The ports of an instance; created_by_nova ports are deleted with it,
      // the others (passed with --port) are only unbound.
      await db.schema
        .createTable('nova_instance_ports')
        .addColumn('instance_uuid', 'text', (c) => c.notNull().references('nova_instances.uuid').onDelete('cascade'))
        .addColumn('port_id', 'text', (c) => c.notNull())
        .addColumn('network_id', 'text', (c) => c.notNull())
        .addColumn('created_by_nova', 'integer', (c) => c.notNull())
        .addColumn('tag', 'text')
        .addColumn('position', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('nova_instance_ports_pk', ['instance_uuid', 'port_id'])
        .execute();
      await db.schema.createIndex('nova_instance_ports_port').on('nova_instance_ports').column('port_id').execute();

      await db.schema
        .createTable('nova_bdms')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('uuid', 'text', (c) => c.notNull().unique())
        .addColumn('instance_uuid', 'text', (c) => c.notNull().references('nova_instances.uuid').onDelete('cascade'))
        .addColumn('source_type', 'text', (c) => c.notNull())
        .addColumn('destination_type', 'text', (c) => c.notNull())
        .addColumn('volume_id', 'text')
        .addColumn('image_id', 'text')
        .addColumn('snapshot_id', 'text')
        .addColumn('device_name', 'text')
        .addColumn('boot_index', 'integer')
        .addColumn('volume_size', 'integer')
        .addColumn('volume_type', 'text')
        .addColumn('delete_on_termination', 'integer', (c) => c.notNull())
        .addColumn('tag', 'text')
        .addColumn('attachment_id', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('nova_bdms_instance').on('nova_bdms').column('instance_uuid').execute();

      await db.schema
        .createTable('nova_instance_actions')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('instance_uuid', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('request_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('project_id', 'text', (c) => c.notNull())
        .addColumn('start_time', 'text', (c) => c.notNull())
        .addColumn('finish_time', 'text')
        .addColumn('message', 'text')
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('events', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('nova_instance_actions_instance')
        .on('nova_instance_actions')
        .column('instance_uuid')
        .execute();

      await db.schema
        .createTable('nova_quotas')
        .addColumn('project_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('resource', 'text', (c) => c.notNull())
        .addColumn('hard_limit', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('nova_quotas_pk', ['project_id', 'user_id', 'resource'])
        .execute();
      await db.schema
        .createTable('nova_quota_classes')
        .addColumn('class_name', 'text', (c) => c.notNull())
        .addColumn('resource', 'text', (c) => c.notNull())
        .addColumn('hard_limit', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('nova_quota_classes_pk', ['class_name', 'resource'])
        .execute();

      await db.schema
        .createTable('nova_server_groups')
        .addColumn('uuid', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('project_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('policy', 'text', (c) => c.notNull())
        .addColumn('rules', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('nova_services')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('uuid', 'text', (c) => c.notNull().unique())
        .addColumn('binary', 'text', (c) => c.notNull())
        .addColumn('host', 'text', (c) => c.notNull())
        .addColumn('zone', 'text', (c) => c.notNull())
        .addColumn('disabled', 'integer', (c) => c.notNull())
        .addColumn('disabled_reason', 'text')
        .addColumn('forced_down', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text')
        .execute();

      await db.schema
        .createTable('nova_console_tokens')
        .addColumn('token_hash', 'text', (c) => c.primaryKey())
        .addColumn('instance_uuid', 'text', (c) => c.notNull())
        .addColumn('console_type', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .execute();
    },
  },
  'compute/0002_aggregates': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('nova_aggregates')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('uuid', 'text', (c) => c.notNull().unique())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('metadata', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text')
        .execute();
      await db.schema
        .createTable('nova_aggregate_hosts')
        .addColumn('aggregate_id', 'integer', (c) => c.notNull().references('nova_aggregates.id').onDelete('cascade'))
        .addColumn('host', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('nova_aggregate_hosts_pk', ['aggregate_id', 'host'])
        .execute();
    },
  },
};
