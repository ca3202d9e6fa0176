import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Cloud } from '../cloud.js';
import { accessRulesAllow } from '../services/identity/access-rules.js';
import { validateToken } from '../services/identity/tokens.js';
import type { Service } from '../services/service.js';
import { Unauthorized } from './errors.js';

/**
 * Who is calling, as every service sees it. Built once per token by the
 * identity service and cached; services never parse tokens themselves.
 */
export interface AuthContext {
  /** sha256 of the token, the key it is stored and cached under. */
  tokenHash: string;
  userId: string;
  userName: string;
  userDomainId: string;
  userDomainName: string;
  projectId?: string;
  projectName?: string;
  projectDomainId?: string;
  projectDomainName?: string;
  /** Set on domain-scoped tokens. */
  domainId?: string;
  domainName?: string;
  /** True on system-scoped tokens. */
  system: boolean;
  /** Role names, implied roles included. */
  roles: string[];
  roleIds: string[];
  /** The caller holds the admin role (DevStack's admin is cloud admin on any scope). */
  isAdmin: boolean;
  methods: string[];
  auditIds: string[];
  issuedAt: string;
  expiresAt: string;
  applicationCredentialId?: string;
  /** Set on trust-scoped tokens (OS-TRUST). */
  trustId?: string;
  /** The calls an application credential token is limited to; unset when it is not limited. */
  accessRules?: AccessRule[];
}

/** One call an application credential may make (Keystone's access rule). */
export interface AccessRule {
  id: string;
  service: string;
  path: string;
  method: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    auth: AuthContext;
  }
  interface FastifyContextConfig {
    /** The route answers without a token (version discovery, token issue). */
    public?: boolean;
    /**
     * A Keystone token is checked as on any route (access rules included) and
     * sets request.auth; a missing or unknown one is left to the route (Heat's
     * signal URL also takes wait condition handle tokens).
     */
    tokenOptional?: boolean;
  }
}

/** Marks the 401s of the auth layer, which every service answers in keystonemiddleware's format. */
export class AuthRequired extends Unauthorized {}

/**
 * The onRequest hook every service scope runs: reads X-Auth-Token, refuses a
 * token whose access rules do not name this call, and sets request.auth.
 */
export function authHook(cloud: Cloud, service: Pick<Service, 'path' | 'catalog'>) {
  return async (req: FastifyRequest, _reply: FastifyReply) => {
    const config = req.routeOptions.config;
    if (config?.public) return;
    const token = req.headers['x-auth-token'];
    const ctx = typeof token === 'string' && token !== '' ? await validateToken(cloud, token) : undefined;
    if (!ctx) {
      if (config?.tokenOptional) return;
      throw new AuthRequired();
    }
    if (ctx.accessRules) {
      const types = service.catalog.map((c) => c.type);
      if (!(await accessRulesAllow(cloud, ctx, types, req.method, pathUnder(service.path, req))))
        throw new AuthRequired();
    }
    req.auth = ctx;
  };
}

/** The request's path below the service's mount point, as sent (percent-decoded, no query). */
function pathUnder(mount: string, req: FastifyRequest): string {
  const raw = req.originalUrl.split('?', 1)[0].slice(mount.length);
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}
