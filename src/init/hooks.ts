import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, constants, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import YAML from 'yaml';
import { openrcEnv } from '../cli/openrc.js';
import type { Cloud } from '../cloud.js';
import { type ApiClient, apiClient } from './api.js';
import { applyResourceList, parseResourceList } from './resource-list.js';
import { withLocalFiles } from './template-files.js';

// `start --init DIR`: once the cloud answers, the hooks in DIR run in name
// order (byte order, as run-parts sorts): shell scripts with the admin openrc
// in their environment, HOT templates as stacks, YAML resource lists through
// the API. A hook that fails stops the start with its output. Each hook runs
// once per data dir: a hook that succeeded is recorded (name and content
// hash) and skipped on the next start unless its file changed, so restarting
// a cloud does not make its fixtures twice.

export type HookKind = 'script' | 'template' | 'resources';

export interface Hook {
  name: string;
  file: string;
  kind: HookKind;
}

export class InitHookFailed extends Error {
  constructor(
    readonly hook: Hook,
    readonly output: string,
  ) {
    super(`init hook ${hook.name} failed`);
  }
}

export interface InitOptions {
  /** The listener's URL and the admin password: what a script's openrc holds. */
  url: string;
  password: string;
  /** One line of progress ("init: 10-net.yaml: network private ..."). */
  say?: (line: string) => void;
  /** How long one hook may take (default 15 minutes). */
  timeoutMs?: number;
}

const RECORD = 'init-hooks.json';

/** Where the init hooks of this start are, for /healthz and `pocketstack wait` (undefined: no --init). */
export interface InitState {
  state: 'running' | 'done' | 'failed';
  detail: string;
}
const states = new WeakMap<Cloud, InitState>();
export function initState(cloud: Cloud): InitState | undefined {
  return states.get(cloud);
}

/** The hooks in `dir`, in name order. `NAME.env.yaml` is the Heat environment of `NAME.yaml`, not a hook. */
export function listHooks(dir: string): { hooks: Hook[]; skipped: string[] } {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`--init ${dir}: not a directory`);
  const hooks: Hook[] = [];
  const skipped: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const file = join(dir, name);
    if (!statSync(file).isFile() || name.startsWith('.')) continue;
    if (/\.env\.ya?ml$/.test(name)) continue;
    if (name.endsWith('.sh')) hooks.push({ name, file, kind: 'script' });
    else if (/\.ya?ml$/.test(name)) {
      const doc = YAML.parse(readFileSync(file, 'utf8'));
      const template = doc && typeof doc === 'object' && !Array.isArray(doc) && 'heat_template_version' in doc;
      hooks.push({ name, file, kind: template ? 'template' : 'resources' });
    } else skipped.push(name);
  }
  return { hooks, skipped };
}

function digest(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

function readRecord(dataDir: string): Record<string, string> {
  try {
    return JSON.parse(readFileSync(join(dataDir, RECORD), 'utf8'));
  } catch {
    return {};
  }
}

/**
 * Runs the hooks of `dir` against the cloud; throws InitHookFailed (with the
 * hook's output) at the first that fails. Returns how many ran and were skipped.
 */
export async function runInitHooks(
  cloud: Cloud,
  dir: string,
  opts: InitOptions,
): Promise<{ ran: number; done: number }> {
  states.set(cloud, { state: 'running', detail: `hooks in ${dir}` });
  try {
    const out = await runHooks(cloud, dir, opts);
    states.set(cloud, { state: 'done', detail: `${out.ran} ran, ${out.done} had already run` });
    return out;
  } catch (e) {
    states.set(cloud, { state: 'failed', detail: e instanceof InitHookFailed ? e.message : (e as Error).message });
    throw e;
  }
}

async function runHooks(cloud: Cloud, dir: string, opts: InitOptions): Promise<{ ran: number; done: number }> {
  const say = opts.say ?? (() => {});
  const { hooks, skipped } = listHooks(dir);
  for (const name of skipped) say(`init: ${name} skipped (hooks are *.sh, *.yaml, *.yml)`);
  const record = readRecord(cloud.config.dataDir);
  let ran = 0;
  let done = 0;
  let admin: ApiClient | undefined;
  for (const hook of hooks) {
    const hash = digest(hook.file);
    if (record[hook.name] === hash) {
      done++;
      say(`init: ${hook.name} already ran on this data dir`);
      continue;
    }
    const t0 = performance.now();
    states.set(cloud, { state: 'running', detail: `hook ${hook.name}` });
    const lines: string[] = [];
    try {
      if (hook.kind === 'script') await runScript(hook, { ...opts, region: cloud.config.region }, lines);
      else {
        const doc = YAML.parse(readFileSync(hook.file, 'utf8'));
        if (hook.kind === 'template') {
          admin ??= await apiClient(cloud, 'admin', opts.password, 'admin');
          await createStack(admin, hook, doc, lines, opts.timeoutMs);
        } else {
          const list = parseResourceList(doc);
          const api = await apiClient(cloud, 'admin', opts.password, list.project ?? 'admin');
          await applyResourceList(api, list, hook.file, (l) => {
            lines.push(l);
            say(`init: ${hook.name}: ${l}`);
          });
        }
      }
    } catch (e) {
      const output = e instanceof InitHookFailed ? e.output : [...lines, (e as Error).message].join('\n');
      throw new InitHookFailed(hook, output);
    }
    ran++;
    record[hook.name] = hash;
    writeFileSync(join(cloud.config.dataDir, RECORD), `${JSON.stringify(record, null, 2)}\n`);
    say(`init: ${hook.name} done (${hook.kind}, ${Math.round(performance.now() - t0)} ms)`);
  }
  return { ran, done };
}

/** The interpreter of a script: itself when executable, else its #! line, else sh. */
function command(file: string): [string, string[]] {
  try {
    accessSync(file, constants.X_OK);
    return [file, []];
  } catch {}
  const first = readFileSync(file, 'utf8').split('\n', 1)[0];
  if (first.startsWith('#!')) {
    const [cmd, ...args] = first.slice(2).trim().split(/\s+/);
    return [cmd, [...args, file]];
  }
  return ['sh', [file]];
}

const MAX_OUTPUT = 64 * 1024;

async function runScript(hook: Hook, opts: InitOptions & { region: string }, lines: string[]): Promise<void> {
  // the caller's own OS_* (OS_CLOUD, a token) would point the CLI elsewhere
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('OS_') && v !== undefined) env[k] = v;
  Object.assign(
    env,
    openrcEnv({ url: opts.url, username: 'admin', project: 'admin', password: opts.password, region: opts.region }),
  );
  env.POCKETSTACK_URL = opts.url;
  const [cmd, args] = command(hook.file);
  let output = '';
  const code = await new Promise<number | string>((resolve) => {
    const child = spawn(cmd, args, {
      cwd: join(hook.file, '..'),
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let partial = '';
    const take = (b: Buffer) => {
      output = (output + b.toString()).slice(-MAX_OUTPUT);
      // the script's lines as they come, so a long hook shows where it is
      const text = partial + b.toString();
      const cut = text.lastIndexOf('\n');
      for (const l of text
        .slice(0, cut + 1)
        .split('\n')
        .slice(0, -1))
        opts.say?.(`init: ${hook.name}: ${l}`);
      partial = text.slice(cut + 1).slice(-MAX_OUTPUT);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    const timer = setTimeout(() => {
      take(Buffer.from(`\n(killed after ${opts.timeoutMs ?? 900000} ms)\n`));
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {}
    }, opts.timeoutMs ?? 900_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      take(Buffer.from(e.message));
      resolve('could not start');
    });
    child.on('close', (c, signal) => {
      clearTimeout(timer);
      resolve(c ?? `killed by ${signal}`);
    });
  });
  lines.push(output);
  if (code !== 0) throw new InitHookFailed(hook, `${output.trimEnd()}\n(${basename(cmd)}: exit ${code})`);
}

/** The stack name of a template hook: its file name without the order prefix and extension (20-app.yaml → app). */
export function stackName(name: string): string {
  return name.replace(/\.ya?ml$/, '').replace(/^\d+[-_.]?/, '') || 'stack';
}

async function createStack(api: ApiClient, hook: Hook, template: unknown, lines: string[], timeoutMs = 900_000) {
  const envFile = hook.file.replace(/\.ya?ml$/, '.env.yaml');
  const env = existsSync(envFile) ? YAML.parse(readFileSync(envFile, 'utf8')) : undefined;
  const base = `/heat-api/v1/${api.projectId}/stacks`;
  const name = stackName(hook.name);
  let body: ReturnType<typeof withLocalFiles>;
  try {
    body = withLocalFiles(template, hook.file, env, envFile);
  } catch (e) {
    throw new InitHookFailed(hook, (e as Error).message);
  }
  const { stack } = await api.call('POST', base, { stack_name: name, ...body });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = (await api.call('GET', `${base}/${name}/${stack.id}`)).stack;
    if (!s.stack_status.endsWith('IN_PROGRESS')) {
      lines.push(`stack ${name} ${s.id} ${s.stack_status}`);
      if (s.stack_status !== 'CREATE_COMPLETE')
        throw new InitHookFailed(hook, `stack ${name}: ${s.stack_status}: ${s.stack_status_reason}`);
      return;
    }
    if (Date.now() > deadline)
      throw new InitHookFailed(hook, `stack ${name}: still ${s.stack_status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
