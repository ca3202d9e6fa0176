import { makeConfig } from '../config.js';
import { readState } from './state.js';

export interface Credentials {
  url: string;
  username: string;
  project: string;
  password: string;
  region: string;
}

/** The same variables as DevStack's `source openrc USER PROJECT`, as an environment. */
export function openrcEnv(c: Credentials): Record<string, string> {
  return {
    OS_AUTH_URL: `${c.url}/identity`,
    OS_AUTH_TYPE: 'password',
    OS_USERNAME: c.username,
    OS_PASSWORD: c.password,
    OS_PROJECT_NAME: c.project,
    OS_USER_DOMAIN_ID: 'default',
    OS_PROJECT_DOMAIN_ID: 'default',
    OS_IDENTITY_API_VERSION: '3',
    OS_REGION_NAME: c.region,
    OS_VOLUME_API_VERSION: '3',
  };
}

/** The same variables as DevStack's `source openrc USER PROJECT`. */
export function openrcLines(c: Credentials): string[] {
  return Object.entries(openrcEnv(c)).map(([k, v]) => `export ${k}=${shellQuote(v)}`);
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Where the cloud of a data dir is (or will be): its recorded URL, else the default one. */
export function cloudCredentials(dataDir: string, username: string, project: string): Credentials {
  const state = readState(dataDir);
  const config = makeConfig({ dataDir });
  return {
    url: state?.url ?? `http://${config.host}:${config.port}`,
    username,
    project,
    password: state?.password ?? config.adminPassword,
    region: state?.region ?? config.region,
  };
}

export function openrc(user: string | undefined, project: string | undefined, opts: { dataDir: string }): void {
  // DevStack: `source openrc` is demo/demo, `source openrc admin` is admin on demo.
  const creds = cloudCredentials(opts.dataDir, user ?? 'demo', project ?? 'demo');
  console.log(openrcLines(creds).join('\n'));
}

export function cloudsYaml(opts: { dataDir: string }): void {
  const admin = cloudCredentials(opts.dataDir, 'admin', 'admin');
  const cloud = (name: string, user: string, project: string) => `  ${name}:
    auth:
      auth_url: ${admin.url}/identity
      username: ${user}
      password: ${JSON.stringify(admin.password)}
      project_name: ${project}
      user_domain_id: default
      project_domain_id: default
    region_name: ${admin.region}
    identity_api_version: 3
    volume_api_version: 3`;
  console.log(`clouds:\n${cloud('pocketstack-admin', 'admin', 'admin')}\n${cloud('pocketstack-demo', 'demo', 'demo')}`);
}
