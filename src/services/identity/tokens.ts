import { createHash, randomBytes } from 'node:crypto';
import type { Cloud } from '../../cloud.js';
import type { AccessRule, AuthContext } from '../../server/auth.js';
import { fromJson, toJson } from '../../store/json.js';
import {
  effectiveRoleIds,
  expandImpliedRoles,
  getDomain,
  getProject,
  getUser,
  idb,
  type Scope,
  type TokenRow,
} from './store.js';

// Tokens are random bearer strings; the store keeps only their sha256. A
// validated token becomes an AuthContext, cached in memory until it expires
// or until anything that could change it (roles, users, projects) changes:
// every such write bumps the generation and the cache starts over.

interface CacheEntry {
  ctx: AuthContext;
  generation: number;
  expires: number;
}

interface TokenState {
  generation: number;
  cache: Map<string, CacheEntry>;
  /** Tokens issued since start, to purge expired ones every PURGE_EVERY. */
  issued: number;
}

const states = new WeakMap<Cloud, TokenState>();
const CACHE_LIMIT = 10_000;
const PURGE_EVERY = 1000;

function state(cloud: Cloud): TokenState {
  let s = states.get(cloud);
  if (!s) {
    s = { generation: 0, cache: new Map(), issued: 0 };
    states.set(cloud, s);
  }
  return s;
}

/** Call after any identity write that can change what a token means or whether it is valid. */
export function invalidateTokens(cloud: Cloud): void {
  const s = state(cloud);
  s.generation++;
  s.cache.clear();
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

function auditId(): string {
  return randomBytes(16).toString('base64url').slice(0, 22);
}

export interface IssueRequest {
  userId: string;
  scope: Scope | null;
  methods: string[];
  /** Rescoping keeps the original token's expiry and audit chain. */
  expiresAt?: string;
  parentAuditId?: string;
  applicationCredentialId?: string;
  trustId?: string;
}

/** Stores a new token and returns the bearer string with its context. */
export async function issueToken(cloud: Cloud, req: IssueRequest): Promise<{ token: string; ctx: AuthContext }> {
  const token = randomBytes(32).toString('base64url');
  const issued = new Date();
  const ttlExpiry = new Date(issued.getTime() + cloud.config.tokenTtlSeconds * 1000).toISOString();
  const expiresAt = req.expiresAt && req.expiresAt < ttlExpiry ? req.expiresAt : ttlExpiry;
  const row: TokenRow = {
    hash: hashToken(token),
    user_id: req.userId,
    project_id: req.scope && 'projectId' in req.scope ? req.scope.projectId : null,
    domain_id: req.scope && 'domainId' in req.scope ? req.scope.domainId : null,
    system: req.scope && 'system' in req.scope ? 1 : 0,
    methods: toJson(req.methods),
    audit_ids: toJson(req.parentAuditId ? [auditId(), req.parentAuditId] : [auditId()]),
    application_credential_id: req.applicationCredentialId ?? null,
    trust_id: req.trustId ?? null,
    issued_at: issued.toISOString(),
    expires_at: expiresAt,
    revoked: 0,
  };
  await idb(cloud).insertInto('tokens').values(row).execute();
  // Expired tokens are refused anyway; now and then drop them so the table stays small.
  if (++state(cloud).issued % PURGE_EVERY === 0) await purgeExpiredTokens(cloud);
  const ctx = await contextOf(cloud, row);
  if (!ctx) throw new Error('token issued for a user or scope that does not validate');
  return { token, ctx };
}

/** The caller behind a bearer token, or null when it is unknown, expired, revoked or no longer valid. */
export async function validateToken(cloud: Cloud, token: string): Promise<AuthContext | null> {
  const s = state(cloud);
  const hash = hashToken(token);
  const now = Date.now();
  const hit = s.cache.get(hash);
  if (hit && hit.generation === s.generation && hit.expires > now) return hit.ctx;
  const generation = s.generation;
  const row = await idb(cloud).selectFrom('tokens').selectAll().where('hash', '=', hash).executeTakeFirst();
  if (!row || row.revoked || Date.parse(row.expires_at) <= now) return null;
  const ctx = await contextOf(cloud, row);
  if (!ctx) return null;
  if (generation === s.generation) {
    if (s.cache.size >= CACHE_LIMIT) s.cache.clear();
    s.cache.set(hash, { ctx, generation, expires: Date.parse(row.expires_at) });
  }
  return ctx;
}

/**
 * Whose token this is, even when it is expired or revoked: Keystone reads the
 * owner out of the subject token for its policy target before validating it.
 */
export async function tokenOwner(cloud: Cloud, token: string): Promise<string | undefined> {
  const row = await idb(cloud)
    .selectFrom('tokens')
    .select('user_id')
    .where('hash', '=', hashToken(token))
    .executeTakeFirst();
  return row?.user_id;
}

/** Revokes one token (DELETE /v3/auth/tokens). */
export async function revokeToken(cloud: Cloud, token: string): Promise<boolean> {
  const res = await idb(cloud)
    .updateTable('tokens')
    .set({ revoked: 1 })
    .where('hash', '=', hashToken(token))
    .where('revoked', '=', 0)
    .executeTakeFirst();
  invalidateTokens(cloud);
  return Number(res.numUpdatedRows) > 0;
}

/** Revokes every token of a user (disabled, deleted, password changed). */
export async function revokeUserTokens(cloud: Cloud, userId: string): Promise<void> {
  await idb(cloud).updateTable('tokens').set({ revoked: 1 }).where('user_id', '=', userId).execute();
  invalidateTokens(cloud);
}

/** Drops expired tokens from the store (they are refused anyway; this keeps the table small). */
export async function purgeExpiredTokens(cloud: Cloud): Promise<void> {
  await idb(cloud).deleteFrom('tokens').where('expires_at', '<', new Date().toISOString()).execute();
}

/**
 * Re-derives what a stored token means now: the user and scope must still
 * exist and be enabled, and a scoped token must still carry a role.
 */
async function contextOf(cloud: Cloud, row: TokenRow): Promise<AuthContext | null> {
  const user = await getUser(cloud, row.user_id);
  if (!user?.enabled) return null;
  const userDomain = await getDomain(cloud, user.domain_id);
  if (!userDomain?.enabled) return null;
  const ctx: AuthContext = {
    tokenHash: row.hash,
    userId: user.id,
    userName: user.name,
    userDomainId: userDomain.id,
    userDomainName: userDomain.name,
    system: row.system === 1,
    roles: [],
    roleIds: [],
    isAdmin: false,
    methods: fromJson(row.methods, []),
    auditIds: fromJson(row.audit_ids, []),
    issuedAt: row.issued_at,
    expiresAt: row.expires_at,
    applicationCredentialId: row.application_credential_id ?? undefined,
    trustId: row.trust_id ?? undefined,
  };
  let scope: Scope | null = null;
  if (row.project_id) {
    const project = await getProject(cloud, row.project_id);
    if (!project?.enabled) return null;
    const domain = await getDomain(cloud, project.domain_id);
    if (!domain?.enabled) return null;
    Object.assign(ctx, {
      projectId: project.id,
      projectName: project.name,
      projectDomainId: domain.id,
      projectDomainName: domain.name,
    });
    scope = { projectId: project.id };
  } else if (row.domain_id) {
    const domain = await getDomain(cloud, row.domain_id);
    if (!domain?.enabled) return null;
    Object.assign(ctx, { domainId: domain.id, domainName: domain.name });
    scope = { domainId: domain.id };
  } else if (row.system) {
    scope = { system: true };
  }
  if (scope) {
    // A delegation (application credential or trust) carries at most the roles
    // it names, and only while whoever granted it still holds them.
    let delegated: { roles: string; expires_at: string | null } | undefined;
    let holder = user.id;
    if (row.application_credential_id) {
      const cred = await idb(cloud)
        .selectFrom('application_credentials')
        .select(['roles', 'expires_at', 'access_rules'])
        .where('id', '=', row.application_credential_id)
        .executeTakeFirst();
      if (!cred) return null;
      delegated = cred;
      // No rules (or an empty list) leaves the token unlimited, as in Keystone.
      const rules = fromJson<AccessRule[]>(cred.access_rules, []);
      if (rules.length > 0) ctx.accessRules = rules;
    } else if (row.trust_id) {
      const trust = await idb(cloud).selectFrom('trusts').selectAll().where('id', '=', row.trust_id).executeTakeFirst();
      if (!trust) return null;
      delegated = trust;
      holder = trust.trustor_user_id;
    }
    if (delegated?.expires_at && Date.parse(delegated.expires_at) <= Date.now()) return null;
    let roleIds = await effectiveRoleIds(cloud, holder, scope);
    if (delegated) {
      const granted = new Set(
        await expandImpliedRoles(
          cloud,
          fromJson<{ id: string }[]>(delegated.roles, []).map((r) => r.id),
        ),
      );
      roleIds = roleIds.filter((id) => granted.has(id));
    }
    if (roleIds.length === 0) return null;
    const roles = await idb(cloud).selectFrom('roles').select(['id', 'name']).where('id', 'in', roleIds).execute();
    ctx.roleIds = roles.map((r) => r.id);
    ctx.roles = roles.map((r) => r.name);
    ctx.isAdmin = ctx.roles.includes('admin');
  }
  return ctx;
}
