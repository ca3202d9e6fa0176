import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Cloud } from '../../../cloud.js';
import { BadRequest, NotFound } from '../../../server/errors.js';
import { fromJson, toJson } from '../../../store/json.js';
import { write } from '../cascade.js';
import { enforce } from '../policy.js';
import { idb } from '../store.js';
import { noContent, params } from './common.js';
import { requireDomain } from './domains.js';

// Domain-specific configuration (/v3/domains/{id}/config): the [identity] and
// [ldap] options Keystone lets a domain override. pocketstack stores and
// serves them but has only its SQL identity backend, so they change nothing.

type Config = Record<string, Record<string, unknown>>;

/** Keystone's (Zed) defaults of the options a domain may set, group by group. */
const DEFAULTS: Config = {
  identity: { driver: 'sql', list_limit: null },
  ldap: {
    url: 'ldap://localhost',
    user: null,
    suffix: 'cn=example,cn=com',
    query_scope: 'one',
    page_size: 0,
    alias_dereferencing: 'default',
    debug_level: null,
    chase_referrals: null,
    user_tree_dn: null,
    user_filter: null,
    user_objectclass: 'inetOrgPerson',
    user_id_attribute: 'cn',
    user_name_attribute: 'sn',
    user_mail_attribute: 'mail',
    user_description_attribute: 'description',
    user_pass_attribute: 'userPassword',
    user_enabled_attribute: 'enabled',
    user_enabled_invert: false,
    user_enabled_mask: 0,
    user_enabled_default: 'True',
    user_attribute_ignore: ['default_project_id'],
    user_default_project_id_attribute: null,
    user_enabled_emulation: false,
    user_enabled_emulation_dn: null,
    user_enabled_emulation_use_group_config: false,
    user_additional_attribute_mapping: [],
    group_tree_dn: null,
    group_filter: null,
    group_objectclass: 'groupOfNames',
    group_id_attribute: 'cn',
    group_name_attribute: 'ou',
    group_members_are_ids: false,
    group_member_attribute: 'member',
    group_desc_attribute: 'description',
    group_attribute_ignore: [],
    group_additional_attribute_mapping: [],
    tls_cacertfile: null,
    tls_cacertdir: null,
    use_tls: false,
    tls_req_cert: 'demand',
    use_pool: true,
    pool_size: 10,
    pool_retry_max: 3,
    pool_retry_delay: 0.1,
    pool_connection_timeout: -1,
    pool_connection_lifetime: 600,
    use_auth_pool: true,
    auth_pool_size: 100,
    auth_pool_connection_lifetime: 60,
  },
};
/** Options a domain may set but that are never shown back. */
const SENSITIVE: Record<string, string[]> = { identity: [], ldap: ['password'] };

function invalid(reason: string) {
  return new BadRequest(`Invalid domain specific configuration: ${reason}.`);
}

function assertValid(group?: string, option?: string) {
  if (group && !Object.hasOwn(DEFAULTS, group))
    throw invalid(`Group ${group} is not supported for domain specific configurations`);
  if (group && option && !Object.hasOwn(DEFAULTS[group], option) && !SENSITIVE[group].includes(option))
    throw invalid(`Option ${option} in group ${group} is not supported for domain specific configurations`);
}

function assertValidConfig(config: unknown) {
  if (!config || typeof config !== 'object' || Object.keys(config).length === 0) throw invalid('No options specified');
  for (const [group, options] of Object.entries(config)) {
    if (!options || typeof options !== 'object' || Array.isArray(options) || Object.keys(options).length === 0)
      throw invalid(`The value of group ${group} specified in the config should be a dictionary of options`);
    for (const option of Object.keys(options)) assertValid(group, option);
  }
}

function notFound(domainId: string, group?: string, option?: string) {
  const what = option ? `option ${option} in group ${group}` : group ? `group ${group}` : 'any options';
  return new NotFound(`Could not find ${what} in domain configuration for domain ${domainId}.`);
}

/** What is shown of a stored config: everything but the sensitive options. */
function visible(config: Config): Config {
  const out: Config = {};
  for (const [g, opts] of Object.entries(config)) {
    const shown = Object.fromEntries(Object.entries(opts).filter(([o]) => !SENSITIVE[g]?.includes(o)));
    if (Object.keys(shown).length > 0) out[g] = shown;
  }
  return out;
}

export async function domainConfigRoutes(app: FastifyInstance, cloud: Cloud) {
  const load = async (domainId: string): Promise<Config | undefined> => {
    const row = await idb(cloud)
      .selectFrom('domain_configs')
      .select('config')
      .where('domain_id', '=', domainId)
      .executeTakeFirst();
    return row ? fromJson<Config>(row.config, {}) : undefined;
  };
  const save = (domainId: string, config: Config) =>
    write(cloud, async (trx) => {
      if (Object.keys(config).length === 0) {
        await trx.deleteFrom('domain_configs').where('domain_id', '=', domainId).execute();
        return;
      }
      await trx
        .insertInto('domain_configs')
        .values({ domain_id: domainId, config: toJson(config) })
        .onConflict((oc) => oc.column('domain_id').doUpdateSet({ config: toJson(config) }))
        .execute();
    });
  const bodyConfig = (req: FastifyRequest) => (req.body as { config?: unknown } | undefined)?.config;

  // Defaults (registered before the :domain_id routes they would otherwise match).
  app.get('/v3/domains/config/default', async (req) => {
    enforce(req, 'identity:get_domain_config_default');
    return { config: DEFAULTS };
  });
  app.get('/v3/domains/config/:group/default', async (req) => {
    enforce(req, 'identity:get_domain_config_default');
    const { group } = params(req);
    assertValid(group);
    return { config: { [group]: DEFAULTS[group] } };
  });
  app.get('/v3/domains/config/:group/:option/default', async (req) => {
    enforce(req, 'identity:get_domain_config_default');
    const { group, option } = params(req);
    assertValid(group, option);
    if (!Object.hasOwn(DEFAULTS[group], option))
      throw invalid(`Reading the default for option ${option} in group ${group} is not supported`);
    return { config: { [option]: DEFAULTS[group][option] } };
  });

  app.put('/v3/domains/:domain_id/config', async (req, reply) => {
    enforce(req, 'identity:create_domain_config');
    const d = await requireDomain(cloud, params(req).domain_id);
    const config = bodyConfig(req);
    assertValidConfig(config);
    const existed = (await load(d.id)) !== undefined;
    await save(d.id, config as Config);
    return reply.code(existed ? 200 : 201).send({ config: visible(config as Config) });
  });

  for (const suffix of ['', '/:group', '/:group/:option']) {
    const url = `/v3/domains/:domain_id/config${suffix}`;

    app.get(url, async (req) => {
      enforce(req, 'identity:get_domain_config');
      const { domain_id, group, option } = params(req);
      const d = await requireDomain(cloud, domain_id);
      assertValid(group, option);
      const config = visible((await load(d.id)) ?? {});
      if (!group) {
        if (Object.keys(config).length === 0) throw notFound(d.id);
        return { config };
      }
      if (!config[group]) throw notFound(d.id, group);
      if (!option) return { config: { [group]: config[group] } };
      if (!Object.hasOwn(config[group], option)) throw notFound(d.id, group, option);
      return { config: { [option]: config[group][option] } };
    });

    app.patch(url, async (req) => {
      enforce(req, 'identity:update_domain_config');
      const { domain_id, group, option } = params(req);
      const d = await requireDomain(cloud, domain_id);
      assertValid(group, option);
      const body = bodyConfig(req) as Record<string, any> | undefined;
      const stored = (await load(d.id)) ?? {};
      if (!body || typeof body !== 'object' || Object.keys(body).length === 0) throw invalid('No options specified');
      let change: Config;
      if (option) {
        if (Object.keys(body).length !== 1 || !Object.hasOwn(body, option))
          throw invalid(
            `Trying to update option ${option} in group ${group}, so that, and only that, option must be specified in the config`,
          );
        change = { [group]: { [option]: body[option] } };
      } else if (group) {
        if (Object.keys(body).length !== 1 || !Object.hasOwn(body, group))
          throw invalid(
            `Trying to update group ${group}, so that, and only that, group must be specified in the config`,
          );
        change = body as Config;
      } else change = body as Config;
      assertValidConfig(change);
      for (const [g, opts] of Object.entries(change)) {
        if (group && !stored[g]) throw notFound(d.id, g);
        if (option && !Object.hasOwn(stored[g] ?? {}, option)) throw notFound(d.id, g, option);
        stored[g] = { ...(stored[g] ?? {}), ...opts };
      }
      await save(d.id, stored);
      return { config: visible(stored) };
    });

    app.delete(url, async (req, reply) => {
      enforce(req, 'identity:delete_domain_config');
      const { domain_id, group, option } = params(req);
      const d = await requireDomain(cloud, domain_id);
      assertValid(group, option);
      const stored = await load(d.id);
      if (!stored) throw notFound(d.id);
      if (group && !stored[group]) throw notFound(d.id, group);
      if (option && !Object.hasOwn(stored[group], option)) throw notFound(d.id, group, option);
      if (option) {
        delete stored[group][option];
        if (Object.keys(stored[group]).length === 0) delete stored[group];
      } else if (group) delete stored[group];
      await save(d.id, group ? stored : {});
      return noContent(reply);
    });
  }
}
