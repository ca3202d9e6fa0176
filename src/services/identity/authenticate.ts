import type { Cloud } from '../../cloud.js';
import type { AuthContext } from '../../server/auth.js';
import { BadRequest, Forbidden, NotFound, Unauthorized } from '../../server/errors.js';
import { appCredSubject, userSubject, verifySecret } from './credential-cache.js';
import {
  effectiveRoleIds,
  getDomain,
  getDomainByName,
  getProject,
  getProjectByName,
  getUser,
  getUserByName,
  type IdentityTables,
  idb,
  type ProjectRow,
  type Scope,
  type UserRow,
} from './store.js';
import { type IssueRequest, validateToken } from './tokens.js';

// POST /v3/auth/tokens: who is authenticating (password, token,
// application_credential) and on what scope. Keystone answers every failure
// to prove identity with the same bare 401, so nothing leaks which part was wrong.

type Json = Record<string, any>;

const bareUnauthorized = () => new Unauthorized('The request you have made requires authentication.');

function obj(v: unknown, where: string): Json {
  if (!v || typeof v !== 'object' || Array.isArray(v))
    throw new BadRequest(`Invalid input for field '${where}': expected an object.`);
  return v as Json;
}

function str(v: unknown, where: string): string {
  if (typeof v !== 'string') throw new BadRequest(`Invalid input for field '${where}': expected a string.`);
  return v;
}

async function domainRef(cloud: Cloud, ref: Json | undefined, where: string) {
  if (!ref)
    throw new BadRequest(
      `Expecting to find domain in ${where}. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.`,
    );
  if (ref.id !== undefined) return getDomain(cloud, str(ref.id, `${where}.domain.id`));
  if (ref.name !== undefined) return getDomainByName(cloud, str(ref.name, `${where}.domain.name`));
  throw new BadRequest(`Expecting to find id or name in ${where}.domain.`);
}

async function findUser(cloud: Cloud, ref: Json): Promise<UserRow | undefined> {
  if (ref.id !== undefined) return getUser(cloud, str(ref.id, 'user.id'));
  if (ref.name === undefined) throw new BadRequest('Expecting to find id or name in user.');
  const domain = await domainRef(cloud, ref.domain, 'user');
  if (!domain) throw bareUnauthorized();
  return getUserByName(cloud, domain.id, str(ref.name, 'user.name'));
}

/** Which user the identity section proves, and how. */
async function identify(
  cloud: Cloud,
  identity: Json,
): Promise<{
  userId: string;
  methods: string[];
  base?: AuthContext;
  appCred?: { id: string; projectId: string; expiresAt?: string };
}> {
  const methods = identity.methods;
  if (!Array.isArray(methods) || methods.length === 0 || methods.some((m) => typeof m !== 'string'))
    throw new BadRequest("Invalid input for field 'identity/methods': expected a non-empty list of strings.");
  let userId: string | undefined;
  let base: AuthContext | undefined;
  let appCred: { id: string; projectId: string; expiresAt?: string } | undefined;
  for (const method of methods) {
    const section = identity[method];
    if (method === 'password') {
      const user = obj(obj(section, 'password').user, 'password.user');
      const password = user.password;
      if (typeof password !== 'string') throw new BadRequest("Invalid input for field 'password.user.password'.");
      const row = await findUser(cloud, user);
      if (!row?.enabled || !(await verifySecret(cloud, userSubject(row.id), password, row.password_hash)))
        throw bareUnauthorized();
      const domain = await getDomain(cloud, row.domain_id);
      if (!domain?.enabled) throw bareUnauthorized();
      if (row.password_expires_at && Date.parse(row.password_expires_at) <= Date.now())
        throw new Unauthorized(`The password is expired and needs to be changed for user: ${row.id}.`);
      userId = checkSameUser(userId, row.id);
    } else if (method === 'token') {
      const id = str(obj(section, 'token').id, 'token.id');
      const ctx = await validateToken(cloud, id);
      if (!ctx) throw new NotFound(`Could not find token: ${id}.`);
      if (ctx.applicationCredentialId) throw new Unauthorized('Application credential tokens cannot be rescoped.');
      base = ctx;
      userId = checkSameUser(userId, ctx.userId);
    } else if (method === 'application_credential') {
      const cred = await findApplicationCredential(cloud, obj(section, 'application_credential'));
      appCred = { id: cred.id, projectId: cred.project_id, expiresAt: cred.expires_at ?? undefined };
      userId = checkSameUser(userId, cred.user_id);
    } else {
      throw new Unauthorized(`Attempted to authenticate with an unsupported method.`);
    }
  }
  if (!userId) throw bareUnauthorized();
  return { userId, methods, base, appCred };
}

function checkSameUser(current: string | undefined, next: string): string {
  if (current && current !== next) throw bareUnauthorized();
  return next;
}

async function findApplicationCredential(cloud: Cloud, ref: Json) {
  const secret = str(ref.secret, 'application_credential.secret');
  const db = idb(cloud);
  let cred: IdentityTables['application_credentials'] | undefined;
  if (ref.id !== undefined) {
    cred = await db
      .selectFrom('application_credentials')
      .selectAll()
      .where('id', '=', str(ref.id, 'id'))
      .executeTakeFirst();
  } else {
    if (ref.name === undefined || !ref.user)
      throw new BadRequest('Expecting to find id, or name and user, in application_credential.');
    const user = await findUser(cloud, obj(ref.user, 'application_credential.user'));
    if (!user) throw bareUnauthorized();
    cred = await db
      .selectFrom('application_credentials')
      .selectAll()
      .where('user_id', '=', user.id)
      .where('name', '=', str(ref.name, 'name'))
      .executeTakeFirst();
  }
  if (!cred || !(await verifySecret(cloud, appCredSubject(cred.id), secret, cred.secret_hash)))
    throw bareUnauthorized();
  if (cred.expires_at && Date.parse(cred.expires_at) <= Date.now()) throw bareUnauthorized();
  return cred;
}

/** The scope asked for, resolved to ids; undefined when the request names none. */
async function resolveScope(cloud: Cloud, scope: unknown): Promise<Scope | null | undefined> {
  if (scope === undefined) return undefined;
  if (scope === 'unscoped') return null;
  const s = obj(scope, 'scope');
  if (s.project) {
    const p = obj(s.project, 'scope.project');
    let project: ProjectRow | undefined;
    if (p.id !== undefined) project = await getProject(cloud, str(p.id, 'scope.project.id'));
    else {
      const domain = await domainRef(cloud, p.domain, 'project');
      if (!domain) throw bareUnauthorized();
      project = await getProjectByName(cloud, domain.id, str(p.name, 'scope.project.name'));
    }
    if (!project) throw bareUnauthorized();
    if (!project.enabled) throw new Unauthorized(`Project ${project.id} is disabled.`);
    return { projectId: project.id };
  }
  if (s.domain) {
    const d = obj(s.domain, 'scope.domain');
    const domain =
      d.id !== undefined
        ? await getDomain(cloud, str(d.id, 'scope.domain.id'))
        : await getDomainByName(cloud, str(d.name, 'scope.domain.name'));
    if (!domain) throw bareUnauthorized();
    if (!domain.enabled) throw new Unauthorized(`Domain ${domain.id} is disabled.`);
    return { domainId: domain.id };
  }
  if (s.system) {
    if (obj(s.system, 'scope.system').all !== true) throw new BadRequest('System scope must be {"all": true}.');
    return { system: true };
  }
  throw new BadRequest('Expecting to find project, domain or system in scope.');
}

/** Turns an auth request body into what to issue. Throws Keystone's 400/401 on anything wrong. */
export async function authenticate(cloud: Cloud, body: unknown): Promise<IssueRequest> {
  const auth = obj(obj(body, 'body').auth, 'auth');
  const who = await identify(cloud, obj(auth.identity, 'identity'));
  if (who.base?.trustId)
    throw new Forbidden('You are not authorized to perform the requested action: rescope a trust token.');
  const trustRef = auth.scope && typeof auth.scope === 'object' ? (auth.scope as Json)['OS-TRUST:trust'] : undefined;
  if (trustRef !== undefined) return trustScoped(cloud, who, str(obj(trustRef, 'scope.OS-TRUST:trust').id, 'id'));
  let scope = await resolveScope(cloud, auth.scope);
  if (who.appCred) {
    if (scope !== undefined) throw new Unauthorized('Application credentials cannot request a scope.');
    scope = { projectId: who.appCred.projectId };
  }
  if (scope === undefined) {
    // A rescope without scope keeps the token's; a fresh auth goes to the default project if usable.
    if (who.base) scope = sameScope(who.base);
    else scope = await defaultProjectScope(cloud, who.userId);
  }
  if (scope) {
    const roles = await effectiveRoleIds(cloud, who.userId, scope);
    if (roles.length === 0) {
      if ('projectId' in scope)
        throw new Unauthorized(`User ${who.userId} has no access to project ${scope.projectId}`);
      if ('domainId' in scope) throw new Unauthorized(`User ${who.userId} has no access to domain ${scope.domainId}`);
      throw new Unauthorized(`User ${who.userId} has no access to the system`);
    }
  }
  return {
    userId: who.userId,
    scope,
    methods: who.base ? [...new Set([...who.base.methods, ...who.methods])] : who.methods,
    // a token never outlives what it was derived from
    expiresAt: who.base?.expiresAt ?? who.appCred?.expiresAt,
    parentAuditId: who.base?.auditIds[0],
    applicationCredentialId: who.appCred?.id,
  };
}

function sameScope(ctx: AuthContext): Scope | null {
  if (ctx.projectId) return { projectId: ctx.projectId };
  if (ctx.domainId) return { domainId: ctx.domainId };
  if (ctx.system) return { system: true };
  return null;
}

async function defaultProjectScope(cloud: Cloud, userId: string): Promise<Scope | null> {
  const user = await getUser(cloud, userId);
  if (!user?.default_project_id) return null;
  const project = await getProject(cloud, user.default_project_id);
  if (!project?.enabled) return null;
  const roles = await effectiveRoleIds(cloud, userId, { projectId: project.id });
  return roles.length > 0 ? { projectId: project.id } : null;
}

/**
 * A token scoped to a trust: the trustee acts (as the trustor when the trust
 * impersonates) on the trust's project with the trust's roles. Uses are
 * counted down when the trust limits them.
 */
async function trustScoped(
  cloud: Cloud,
  who: { userId: string; methods: string[]; appCred?: unknown },
  trustId: string,
): Promise<IssueRequest> {
  if (who.appCred) throw new Forbidden('You are not authorized to perform the requested action: use a trust.');
  const db = idb(cloud);
  const trust = await db.selectFrom('trusts').selectAll().where('id', '=', trustId).executeTakeFirst();
  if (!trust || (trust.expires_at && Date.parse(trust.expires_at) <= Date.now()))
    throw new NotFound(`Could not find trust: ${trustId}.`);
  if (trust.trustee_user_id !== who.userId)
    throw new Forbidden(`You are not authorized to perform the requested action: user ${who.userId} is not a trustee.`);
  if (trust.remaining_uses !== null) {
    if (trust.remaining_uses <= 0) throw new Forbidden('No remaining uses for trust: ' + trust.id + '.');
    await db
      .updateTable('trusts')
      .set({ remaining_uses: trust.remaining_uses - 1 })
      .where('id', '=', trust.id)
      .execute();
  }
  const trustor = await getUser(cloud, trust.trustor_user_id);
  if (!trustor?.enabled)
    throw new Forbidden('You are not authorized to perform the requested action: the trustor is disabled.');
  return {
    userId: trust.impersonation ? trust.trustor_user_id : who.userId,
    scope: trust.project_id ? { projectId: trust.project_id } : null,
    methods: who.methods,
    trustId: trust.id,
    expiresAt: trust.expires_at ?? undefined,
  };
}
