import type { CreateTableBuilder, Kysely, Migration } from 'kysely';

// Neutron's tables, prefixed `neutron_` in the shared store. Lists and JSON
// values (allocation pools, routes, pairs) are JSON text (store/json.ts).
// Every resource carries Neutron's standard attributes.

function standard<T extends string>(t: CreateTableBuilder<T, never>) {
  return t
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('revision_number', 'integer', (c) => c.notNull().defaultTo(0));
}

export const migrations: Record<string, Migration> = {
  'network/0001_init': {
    async up(db: Kysely<any>) {
      await standard(db.schema.createTable('neutron_networks'))
        .addColumn('admin_state_up', 'integer', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('shared', 'integer', (c) => c.notNull())
        .addColumn('external', 'integer', (c) => c.notNull())
        .addColumn('is_default', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('mtu', 'integer', (c) => c.notNull())
        .addColumn('port_security_enabled', 'integer', (c) => c.notNull())
        .addColumn('availability_zone_hints', 'text', (c) => c.notNull())
        .addColumn('dns_domain', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('network_type', 'text', (c) => c.notNull())
        .addColumn('physical_network', 'text')
        .addColumn('segmentation_id', 'integer')
        .execute();
      await db.schema.createIndex('neutron_networks_project').on('neutron_networks').column('project_id').execute();

      await standard(db.schema.createTable('neutron_subnets'))
        .addColumn('network_id', 'text', (c) => c.notNull().references('neutron_networks.id'))
        .addColumn('ip_version', 'integer', (c) => c.notNull())
        .addColumn('cidr', 'text', (c) => c.notNull())
        .addColumn('gateway_ip', 'text')
        .addColumn('allocation_pools', 'text', (c) => c.notNull())
        .addColumn('dns_nameservers', 'text', (c) => c.notNull())
        .addColumn('host_routes', 'text', (c) => c.notNull())
        .addColumn('enable_dhcp', 'integer', (c) => c.notNull())
        .addColumn('ipv6_ra_mode', 'text')
        .addColumn('ipv6_address_mode', 'text')
        .addColumn('subnetpool_id', 'text')
        .addColumn('service_types', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('neutron_subnets_network').on('neutron_subnets').column('network_id').execute();

      await standard(db.schema.createTable('neutron_ports'))
        .addColumn('network_id', 'text', (c) => c.notNull().references('neutron_networks.id'))
        .addColumn('mac_address', 'text', (c) => c.notNull())
        .addColumn('admin_state_up', 'integer', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('device_id', 'text', (c) => c.notNull())
        .addColumn('device_owner', 'text', (c) => c.notNull())
        .addColumn('binding_host_id', 'text', (c) => c.notNull())
        .addColumn('binding_profile', 'text', (c) => c.notNull())
        .addColumn('binding_vnic_type', 'text', (c) => c.notNull())
        .addColumn('binding_vif_type', 'text', (c) => c.notNull())
        .addColumn('binding_vif_details', 'text', (c) => c.notNull())
        .addColumn('port_security_enabled', 'integer', (c) => c.notNull())
        .addColumn('allowed_address_pairs', 'text', (c) => c.notNull())
        .addColumn('extra_dhcp_opts', 'text', (c) => c.notNull())
        .addColumn('dns_name', 'text', (c) => c.notNull())
        // Nova deletes the ports it made for a server and only unbinds the ones it was given
        .addColumn('created_for_server', 'integer', (c) => c.notNull().defaultTo(0))
        .addUniqueConstraint('neutron_ports_network_mac', ['network_id', 'mac_address'])
        .execute();
      await db.schema.createIndex('neutron_ports_project').on('neutron_ports').column('project_id').execute();
      await db.schema.createIndex('neutron_ports_network').on('neutron_ports').column('network_id').execute();
      await db.schema.createIndex('neutron_ports_device').on('neutron_ports').column('device_id').execute();

      // The primary key is the IPAM guarantee: one address, one port, per subnet.
      await db.schema
        .createTable('neutron_ip_allocations')
        .addColumn('subnet_id', 'text', (c) => c.notNull().references('neutron_subnets.id'))
        .addColumn('ip_address', 'text', (c) => c.notNull())
        .addColumn('port_id', 'text', (c) => c.notNull().references('neutron_ports.id').onDelete('cascade'))
        .addColumn('network_id', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('neutron_ip_allocations_pk', ['subnet_id', 'ip_address'])
        .execute();
      await db.schema
        .createIndex('neutron_ip_allocations_port')
        .on('neutron_ip_allocations')
        .column('port_id')
        .execute();

      await standard(db.schema.createTable('neutron_security_groups'))
        .addColumn('stateful', 'integer', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('neutron_security_groups_project')
        .on('neutron_security_groups')
        .column('project_id')
        .execute();
      // One `default` group per project, made on the project's first use.
      await db.schema
        .createTable('neutron_default_security_groups')
        .addColumn('project_id', 'text', (c) => c.primaryKey())
        .addColumn('security_group_id', 'text', (c) =>
          c.notNull().references('neutron_security_groups.id').onDelete('cascade'),
        )
        .execute();

      await db.schema
        .createTable('neutron_security_group_rules')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('project_id', 'text', (c) => c.notNull())
        .addColumn('security_group_id', 'text', (c) =>
          c.notNull().references('neutron_security_groups.id').onDelete('cascade'),
        )
        .addColumn('direction', 'text', (c) => c.notNull())
        .addColumn('ethertype', 'text', (c) => c.notNull())
        .addColumn('protocol', 'text')
        .addColumn('port_range_min', 'integer')
        .addColumn('port_range_max', 'integer')
        .addColumn('remote_ip_prefix', 'text')
        .addColumn('remote_group_id', 'text')
        .addColumn('remote_address_group_id', 'text')
        .addColumn('description', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('revision_number', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema
        .createIndex('neutron_security_group_rules_group')
        .on('neutron_security_group_rules')
        .column('security_group_id')
        .execute();

      await db.schema
        .createTable('neutron_port_security_groups')
        .addColumn('port_id', 'text', (c) => c.notNull().references('neutron_ports.id').onDelete('cascade'))
        .addColumn('security_group_id', 'text', (c) => c.notNull().references('neutron_security_groups.id'))
        .addPrimaryKeyConstraint('neutron_port_security_groups_pk', ['port_id', 'security_group_id'])
        .execute();
      await db.schema
        .createIndex('neutron_port_security_groups_group')
        .on('neutron_port_security_groups')
        .column('security_group_id')
        .execute();

      await standard(db.schema.createTable('neutron_routers'))
        .addColumn('admin_state_up', 'integer', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('gw_port_id', 'text')
        .addColumn('enable_snat', 'integer', (c) => c.notNull())
        .addColumn('routes', 'text', (c) => c.notNull())
        .addColumn('availability_zone_hints', 'text', (c) => c.notNull())
        .addColumn('distributed', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('ha', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();

      await standard(db.schema.createTable('neutron_floatingips'))
        .addColumn('floating_network_id', 'text', (c) => c.notNull().references('neutron_networks.id'))
        .addColumn('floating_ip_address', 'text', (c) => c.notNull())
        .addColumn('floating_port_id', 'text', (c) => c.notNull())
        .addColumn('port_id', 'text')
        .addColumn('fixed_ip_address', 'text')
        .addColumn('router_id', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('dns_name', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('dns_domain', 'text', (c) => c.notNull().defaultTo(''))
        .execute();
      await db.schema.createIndex('neutron_floatingips_port').on('neutron_floatingips').column('port_id').execute();

      await db.schema
        .createTable('neutron_tags')
        .addColumn('resource_id', 'text', (c) => c.notNull())
        .addColumn('tag', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('neutron_tags_pk', ['resource_id', 'tag'])
        .execute();

      // What first-start seeding has done (DevStack's networks are made once, not re-made after a user deletes them).
      await db.schema
        .createTable('neutron_meta')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('neutron_quotas')
        .addColumn('project_id', 'text', (c) => c.notNull())
        .addColumn('resource', 'text', (c) => c.notNull())
        .addColumn('hard_limit', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('neutron_quotas_pk', ['project_id', 'resource'])
        .execute();
    },
  },

  'network/0002_agents_subnetpools_metering': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('neutron_agents')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('agent_type', 'text', (c) => c.notNull().unique())
        .addColumn('binary', 'text', (c) => c.notNull())
        .addColumn('topic', 'text', (c) => c.notNull())
        .addColumn('availability_zone', 'text')
        .addColumn('admin_state_up', 'integer', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('configurations', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('started_at', 'text', (c) => c.notNull())
        .execute();
      // which DHCP agent serves a network, which L3 agent hosts a router
      await db.schema
        .createTable('neutron_agent_bindings')
        .addColumn('agent_id', 'text', (c) => c.notNull().references('neutron_agents.id').onDelete('cascade'))
        .addColumn('resource_id', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('neutron_agent_bindings_pk', ['agent_id', 'resource_id'])
        .execute();

      await standard(db.schema.createTable('neutron_subnetpools'))
        .addColumn('ip_version', 'integer', (c) => c.notNull())
        .addColumn('prefixes', 'text', (c) => c.notNull())
        .addColumn('default_prefixlen', 'integer', (c) => c.notNull())
        .addColumn('min_prefixlen', 'integer', (c) => c.notNull())
        .addColumn('max_prefixlen', 'integer', (c) => c.notNull())
        .addColumn('shared', 'integer', (c) => c.notNull())
        .addColumn('is_default', 'integer', (c) => c.notNull())
        .addColumn('default_quota', 'integer')
        .execute();

      await db.schema
        .createTable('neutron_metering_labels')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('project_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('shared', 'integer', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('neutron_metering_label_rules')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('project_id', 'text', (c) => c.notNull())
        .addColumn('metering_label_id', 'text', (c) =>
          c.notNull().references('neutron_metering_labels.id').onDelete('cascade'),
        )
        .addColumn('direction', 'text', (c) => c.notNull())
        .addColumn('remote_ip_prefix', 'text')
        .addColumn('source_ip_prefix', 'text')
        .addColumn('destination_ip_prefix', 'text')
        .addColumn('excluded', 'integer', (c) => c.notNull())
        .execute();
    },
  },
  'network/0003_ipam_floors': {
    // Per subnet, an address below which every pool address is taken (ipam.ts):
    // allocation starts its search there instead of reading every allocation.
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('neutron_ipam_floors')
        .addColumn('subnet_id', 'text', (c) => c.primaryKey().references('neutron_subnets.id').onDelete('cascade'))
        .addColumn('floor', 'text', (c) => c.notNull())
        .execute();
    },
  },
  'network/0004_ports_network_order': {
    // a network's ports in list order (created_at, id) straight from the index, no sort
    async up(db: Kysely<any>) {
      await db.schema
        .createIndex('neutron_ports_network_created')
        .on('neutron_ports')
        .columns(['network_id', 'created_at', 'id'])
        .execute();
    },
  },
};
