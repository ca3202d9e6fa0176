import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import pino from 'pino';
import { type Cloud, type CloudOptions, createCloud } from '../src/cloud.js';
import { type Config, makeConfig } from '../src/config.js';

/** The body of a password log-in (POST /identity/v3/auth/tokens) scoped to a project, as the tests' users have it. */
export function passwordAuthByName(user: string, project = user, password = 'secret') {
  return {
    auth: {
      identity: { methods: ['password'], password: { user: { name: user, domain: { id: 'default' }, password } } },
      scope: { project: { name: project, domain: { id: 'default' } } },
    },
  };
}

export interface TestCloud {
  cloud: Cloud;
  /** A token for a seeded user on a project (default admin on admin). */
  token(user?: string, project?: string): Promise<string>;
  /** An HTTP call through the app, with a token when `as` names a user ("admin", "demo", or "user:project"). */
  call(opts: InjectOptions & { as?: string; token?: string }): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

/**
 * A whole cloud in-process: fresh data dir, real store, fake drivers, no
 * listener. Requests go through Fastify's inject, the same path as HTTP.
 */
export async function testCloud(overrides: Partial<Config> = {}, options: CloudOptions = {}): Promise<TestCloud> {
  const dataDir = mkdtempSync(join(tmpdir(), 'pocketstack-test-'));
  const config = makeConfig({
    dataDir,
    database: join(dataDir, 'pocketstack.db'),
    adminPassword: 'secret',
    passwordHashCost: 8,
    logLevel: 'silent',
    drivers: { compute: 'fake', network: 'fake', volume: 'fake' },
    ...overrides,
  });
  const cloud = await createCloud(config, { logger: pino({ level: 'silent' }), ...options });
  const tokens = new Map<string, string>();
  const token = async (
    user = 'admin',
    project = user === 'alt_demo' ? 'alt_demo' : user === 'demo' ? 'demo' : 'admin',
  ) => {
    const key = `${user}:${project}`;
    const hit = tokens.get(key);
    if (hit) return hit;
    const res = await cloud.app.inject({
      method: 'POST',
      url: '/identity/v3/auth/tokens',
      payload: passwordAuthByName(user, project),
    });
    if (res.statusCode !== 201) throw new Error(`token for ${key}: ${res.statusCode} ${res.body}`);
    const t = res.headers['x-subject-token'] as string;
    tokens.set(key, t);
    return t;
  };
  return {
    cloud,
    token,
    async call({ as, token: given, headers, ...opts }) {
      const t = given ?? (as ? await token(...(as.split(':') as [string, string?])) : undefined);
      return cloud.app.inject({ ...opts, headers: { ...(t ? { 'x-auth-token': t } : {}), ...headers } });
    },
    async close() {
      await cloud.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
