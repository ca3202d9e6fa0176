import { SEEDED_USERS } from '../services/identity/seeded-password.js';
import { CliError } from './errors.js';
import { dataDirArg, selfCommand, shellQuote } from './self.js';
import { isRunning, readState } from './state.js';

export interface Credentials {
  url: string;
  username: string;
  project: string;
  password: string;
  region: string;
}

/** The same variables as DevStack's `source openrc USER PROJECT`. */
export function openrcLines(c: Credentials): string[] {
  return [
    `export OS_AUTH_URL=${c.url}/identity`,
    `export OS_AUTH_TYPE=password`,
    `export OS_USERNAME=${c.username}`,
    `export OS_PASSWORD=${shellQuote(c.password)}`,
    `export OS_PROJECT_NAME=${c.project}`,
    `export OS_USER_DOMAIN_ID=default`,
    `export OS_PROJECT_DOMAIN_ID=default`,
    `export OS_IDENTITY_API_VERSION=3`,
    `export OS_REGION_NAME=${c.region}`,
    `export OS_VOLUME_API_VERSION=3`,
  ];
}

/**
 * The credentials of a seeded user on the cloud of a data dir, as recorded by
 * its last start; a CliError when there are none that would work (nothing
 * started there, the password unknown, a user whose password pocketstack
 * does not know).
 */
export function cloudCredentials(dataDir: string, username: string, project: string): Credentials {
  const state = readState(dataDir);
  const startCmd = `${selfCommand()} start${dataDirArg(dataDir)}`;
  if (!state) throw new CliError(`no pocketstack has started with data dir ${dataDir}: start one with \`${startCmd}\``);
  if (state.password === undefined)
    throw new CliError(
      `the password of the seeded users of data dir ${dataDir} is not known: start it with --admin-password <password>`,
    );
  if (!SEEDED_USERS.includes(username))
    throw new CliError(
      `pocketstack knows the password of ${SEEDED_USERS.join(', ')} only, not of ${username}: use one of them, or set OS_USERNAME and OS_PASSWORD yourself`,
    );
  return { url: state.url, username, project, password: state.password, region: state.region };
}

/** Says on stderr that the cloud is not running (its credentials hold for the next start). */
function warnIfStopped(dataDir: string): void {
  if (!isRunning(readState(dataDir)))
    console.error(
      `pocketstack is not running on data dir ${dataDir}: start it with \`${selfCommand()} start${dataDirArg(dataDir)}\``,
    );
}

export function openrc(user: string | undefined, project: string | undefined, opts: { dataDir: string }): void {
  // DevStack: `source openrc` is demo/demo, `source openrc admin` is admin on demo.
  const creds = cloudCredentials(opts.dataDir, user ?? 'demo', project ?? 'demo');
  warnIfStopped(opts.dataDir);
  console.log(openrcLines(creds).join('\n'));
}

export function cloudsYaml(opts: { dataDir: string }): void {
  const admin = cloudCredentials(opts.dataDir, 'admin', 'admin');
  warnIfStopped(opts.dataDir);
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
