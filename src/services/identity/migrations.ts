import type { Kysely, Migration } from 'kysely';

// Keystone's data model, trimmed to what the v3 API exposes. JSON columns are
// TEXT (store/json.ts); booleans are integers 0/1 so SQLite and PostgreSQL agree.
export const migrations: Record<string, Migration> = {
  'identity/0001_init': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('domains')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('description', 'text')
        .addColumn('enabled', 'integer', (c) => c.notNull())
        .addColumn('tags', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('options', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('extra', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('projects')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('domain_id', 'text', (c) => c.notNull())
        .addColumn('parent_id', 'text')
        .addColumn('description', 'text')
        .addColumn('enabled', 'integer', (c) => c.notNull())
        .addColumn('tags', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('options', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('extra', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('projects_domain_name', ['domain_id', 'name'])
        .execute();
      await db.schema
        .createTable('users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('domain_id', 'text', (c) => c.notNull())
        .addColumn('enabled', 'integer', (c) => c.notNull())
        .addColumn('password_hash', 'text')
        .addColumn('password_expires_at', 'text')
        .addColumn('password_changed_at', 'text')
        .addColumn('default_project_id', 'text')
        .addColumn('description', 'text')
        .addColumn('options', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('extra', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('users_domain_name', ['domain_id', 'name'])
        .execute();
      await db.schema
        .createTable('groups')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('domain_id', 'text', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('extra', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('groups_domain_name', ['domain_id', 'name'])
        .execute();
      await db.schema
        .createTable('group_members')
        .addColumn('group_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('group_members_pk', ['group_id', 'user_id'])
        .execute();
      await db.schema.createIndex('group_members_user').on('group_members').column('user_id').execute();
      await db.schema
        .createTable('roles')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        // '<<null>>' for global roles, as Keystone does, so (domain_id, name) is unique in every database
        .addColumn('domain_id', 'text', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('options', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('extra', 'text', (c) => c.notNull().defaultTo('{}'))
        .addUniqueConstraint('roles_domain_name', ['domain_id', 'name'])
        .execute();
      await db.schema
        .createTable('implied_roles')
        .addColumn('prior_role_id', 'text', (c) => c.notNull())
        .addColumn('implied_role_id', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('implied_roles_pk', ['prior_role_id', 'implied_role_id'])
        .execute();
      // type: UserProject, GroupProject, UserDomain, GroupDomain, UserSystem, GroupSystem
      await db.schema
        .createTable('assignments')
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('actor_id', 'text', (c) => c.notNull())
        .addColumn('target_id', 'text', (c) => c.notNull())
        .addColumn('role_id', 'text', (c) => c.notNull())
        .addColumn('inherited', 'integer', (c) => c.notNull().defaultTo(0))
        .addPrimaryKeyConstraint('assignments_pk', ['type', 'actor_id', 'target_id', 'role_id', 'inherited'])
        .execute();
      await db.schema.createIndex('assignments_actor').on('assignments').column('actor_id').execute();
      await db.schema.createIndex('assignments_target').on('assignments').column('target_id').execute();
      await db.schema
        .createTable('regions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('parent_region_id', 'text')
        .addColumn('extra', 'text', (c) => c.notNull().defaultTo('{}'))
        .execute();
      await db.schema
        .createTable('services')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('enabled', 'integer', (c) => c.notNull())
        .addColumn('extra', 'text', (c) => c.notNull().defaultTo('{}'))
        .execute();
      await db.schema
        .createTable('endpoints')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('service_id', 'text', (c) => c.notNull())
        .addColumn('interface', 'text', (c) => c.notNull())
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('region_id', 'text')
        .addColumn('enabled', 'integer', (c) => c.notNull())
        .addColumn('extra', 'text', (c) => c.notNull().defaultTo('{}'))
        .execute();
      await db.schema
        .createTable('credentials')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('project_id', 'text')
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('blob', 'text', (c) => c.notNull())
        .addColumn('extra', 'text', (c) => c.notNull().defaultTo('{}'))
        .execute();
      await db.schema
        .createTable('application_credentials')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('project_id', 'text', (c) => c.notNull())
        .addColumn('secret_hash', 'text', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('expires_at', 'text')
        .addColumn('unrestricted', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('roles', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('access_rules', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('app_creds_user_name', ['user_id', 'name'])
        .execute();
      // Tokens are stored only as sha256 hashes of the bearer string.
      await db.schema
        .createTable('tokens')
        .addColumn('hash', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('project_id', 'text')
        .addColumn('domain_id', 'text')
        .addColumn('system', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('methods', 'text', (c) => c.notNull())
        .addColumn('audit_ids', 'text', (c) => c.notNull())
        .addColumn('application_credential_id', 'text')
        .addColumn('issued_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('revoked', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema.createIndex('tokens_user').on('tokens').column('user_id').execute();
      await db.schema.createIndex('tokens_expires').on('tokens').column('expires_at').execute();
      await db.schema
        .createTable('limits')
        .addColumn('id', 'text', (c) => c.primaryKey())
        // registered limits have no project_id/domain_id
        .addColumn('registered', 'integer', (c) => c.notNull())
        .addColumn('service_id', 'text', (c) => c.notNull())
        .addColumn('region_id', 'text')
        .addColumn('resource_name', 'text', (c) => c.notNull())
        .addColumn('project_id', 'text')
        .addColumn('domain_id', 'text')
        .addColumn('limit_value', 'integer', (c) => c.notNull())
        .addColumn('description', 'text')
        .execute();
    },
  },
};

// The rest of Keystone's v3 API: trusts, policies (blobs), OAuth1 consumers,
// endpoint filtering, domain-specific configuration, access rules.
migrations['identity/0002_more_of_v3'] = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('trusts')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('trustor_user_id', 'text', (c) => c.notNull())
      .addColumn('trustee_user_id', 'text', (c) => c.notNull())
      .addColumn('project_id', 'text')
      .addColumn('impersonation', 'integer', (c) => c.notNull())
      .addColumn('expires_at', 'text')
      .addColumn('remaining_uses', 'integer')
      .addColumn('allow_redelegation', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('redelegation_count', 'integer')
      .addColumn('redelegated_trust_id', 'text')
      .addColumn('roles', 'text', (c) => c.notNull().defaultTo('[]'))
      .addColumn('extra', 'text', (c) => c.notNull().defaultTo('{}'))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.alterTable('tokens').addColumn('trust_id', 'text').execute();
    await db.schema
      .createTable('policies')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('blob', 'text', (c) => c.notNull())
      .addColumn('extra', 'text', (c) => c.notNull().defaultTo('{}'))
      .execute();
    await db.schema
      .createTable('policy_associations')
      .addColumn('policy_id', 'text', (c) => c.notNull())
      .addColumn('endpoint_id', 'text')
      .addColumn('service_id', 'text')
      .addColumn('region_id', 'text')
      .execute();
    await db.schema
      .createTable('consumers')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('secret_hash', 'text', (c) => c.notNull())
      .addColumn('description', 'text')
      .addColumn('extra', 'text', (c) => c.notNull().defaultTo('{}'))
      .execute();
    await db.schema
      .createTable('endpoint_groups')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('description', 'text')
      .addColumn('filters', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('project_endpoints')
      .addColumn('project_id', 'text', (c) => c.notNull())
      .addColumn('endpoint_id', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('project_endpoints_pk', ['project_id', 'endpoint_id'])
      .execute();
    await db.schema
      .createTable('project_endpoint_groups')
      .addColumn('project_id', 'text', (c) => c.notNull())
      .addColumn('endpoint_group_id', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('project_endpoint_groups_pk', ['project_id', 'endpoint_group_id'])
      .execute();
    await db.schema
      .createTable('domain_configs')
      .addColumn('domain_id', 'text', (c) => c.primaryKey())
      .addColumn('config', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('access_rules')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('service', 'text', (c) => c.notNull())
      .addColumn('path', 'text', (c) => c.notNull())
      .addColumn('method', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('credentials_user').on('credentials').column('user_id').execute();
    await db.schema.createIndex('projects_parent').on('projects').column('parent_id').execute();
  },
};
