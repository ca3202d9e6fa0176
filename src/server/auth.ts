import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Cloud } from '../cloud.js';
import { validateToken } from '../services/identity/tokens.js';
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
}

declare module 'fastify' {
  interface FastifyRequest {
    auth: AuthContext;
  }
  interface FastifyContextConfig {
    /** The route answers without a token (version discovery, token issue). */
    public?: boolean;
  }
}

/** Marks the 401s of the auth layer, which every service answers in keystonemiddleware's format. */
export class AuthRequired extends Unauthorized {}

/** The onRequest hook every service scope runs: reads X-Auth-Token and sets request.auth. */
export function authHook(cloud: Cloud) {
  return async (req: FastifyRequest, _reply: FastifyReply) => {
    if (req.routeOptions.config?.public) return;
    const token = req.headers['x-auth-token'];
    if (typeof token !== 'string' || token === '') throw new AuthRequired();
    const ctx = await validateToken(cloud, token);
    if (!ctx) throw new AuthRequired();
    req.auth = ctx;
  };
}
