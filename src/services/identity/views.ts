import type { Cloud } from '../../cloud.js';
import type { AuthContext } from '../../server/auth.js';
import { isoMicros } from '../../server/time.js';
import { fromJson } from '../../store/json.js';
import { catalogFor } from './catalog.js';
import { getUser, idb } from './store.js';

/** The token document of POST/GET /v3/auth/tokens. */
export async function tokenBody(cloud: Cloud, ctx: AuthContext, withCatalog: boolean) {
  const user = await getUser(cloud, ctx.userId);
  const token: Record<string, unknown> = {
    methods: ctx.methods,
    user: {
      domain: { id: ctx.userDomainId, name: ctx.userDomainName },
      id: ctx.userId,
      name: ctx.userName,
      password_expires_at: user?.password_expires_at ? isoMicros(user.password_expires_at) : null,
    },
    audit_ids: ctx.auditIds,
    expires_at: isoMicros(ctx.expiresAt),
    issued_at: isoMicros(ctx.issuedAt),
  };
  if (ctx.projectId) {
    token.project = {
      domain: { id: ctx.projectDomainId, name: ctx.projectDomainName },
      id: ctx.projectId,
      name: ctx.projectName,
    };
    token.is_domain = false;
  } else if (ctx.domainId) {
    token.domain = { id: ctx.domainId, name: ctx.domainName };
  } else if (ctx.system) {
    token.system = { all: true };
  }
  if (ctx.projectId || ctx.domainId || ctx.system) {
    token.roles = ctx.roleIds.map((id, i) => ({ id, name: ctx.roles[i] }));
  }
  if (ctx.trustId) {
    const trust = await idb(cloud).selectFrom('trusts').selectAll().where('id', '=', ctx.trustId).executeTakeFirst();
    if (trust)
      token['OS-TRUST:trust'] = {
        id: trust.id,
        impersonation: trust.impersonation === 1,
        trustee_user: { id: trust.trustee_user_id },
        trustor_user: { id: trust.trustor_user_id },
      };
  }
  if (ctx.applicationCredentialId) {
    const cred = await idb(cloud)
      .selectFrom('application_credentials')
      .select(['id', 'name', 'unrestricted', 'access_rules'])
      .where('id', '=', ctx.applicationCredentialId)
      .executeTakeFirst();
    if (cred) {
      const rules = fromJson<unknown[]>(cred.access_rules, []);
      token.application_credential = {
        id: cred.id,
        name: cred.name,
        restricted: cred.unrestricted !== 1,
        ...(rules.length > 0 ? { access_rules: rules } : {}),
      };
    }
  }
  // Keystone puts a catalog only in scoped tokens.
  if (withCatalog && (ctx.projectId || ctx.domainId || ctx.system))
    token.catalog = await catalogFor(cloud, ctx.projectId);
  return { token };
}
