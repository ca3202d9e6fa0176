import { BadRequest } from '../../server/errors.js';
import {
  checkEnvironment,
  type Environment,
  emptyEnvironment,
  mergeEnvironments,
  parseEnvironmentText,
} from './template/environment.js';
import { isMap, ParseError, parseTemplateText } from './template/parse.js';

// What a stack create/update/preview/validate request carries (Heat's
// InstantiationData): the template inline, as text or by URL; the
// environment inline or as environment_files inside `files`; parameters
// merged over the environment's; and the stack options.

export interface Instantiation {
  /** Undefined only for a PATCH update that keeps the current template. */
  template?: Record<string, unknown>;
  env: Environment;
  files: Record<string, string>;
  /** The request named an environment (PATCH keeps the current one otherwise). */
  envGiven: boolean;
}

const MAX_TEMPLATE = 524288;

async function fetchTemplate(url: string): Promise<string> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    if (!res.ok) throw new Error(`${res.status} ${res.statusText}`);
    return await res.text();
  } catch (e) {
    throw new BadRequest(`Could not retrieve template: Failed to retrieve template: ${(e as Error).message}`);
  }
}

function parseError(what: string, e: unknown): never {
  if (e instanceof ParseError) throw new BadRequest(`${what} not in valid format: ${e.message}`);
  throw e;
}

export async function readInstantiation(body: unknown, patch = false): Promise<Instantiation> {
  const data = (isMap(body) ? body : {}) as Record<string, any>;
  let template: Record<string, unknown> | undefined;
  let text: string | undefined;
  if (isMap(data.template)) template = data.template;
  else if (typeof data.template === 'string') text = data.template;
  else if (typeof data.template_url === 'string') text = await fetchTemplate(data.template_url);
  if (text !== undefined) {
    if (text.length > MAX_TEMPLATE)
      throw new BadRequest(
        `Template size (${text.length} bytes) exceeds maximum allowed size (${MAX_TEMPLATE} bytes).`,
        'RequestLimitExceeded',
      );
    try {
      template = parseTemplateText(text, data.template_url);
    } catch (e) {
      parseError('Template', e);
    }
  }
  if (!template && !patch) throw new BadRequest('No template specified');
  const files: Record<string, string> = isMap(data.files) ? data.files : {};
  let env = emptyEnvironment();
  let envGiven = false;
  try {
    if (Array.isArray(data.environment_files) && data.environment_files.length > 0) {
      envGiven = true;
      env = mergeEnvironments(
        data.environment_files.map((name: string) => {
          if (typeof files[name] !== 'string') throw new ParseError(`Environment file ${name} not found in files`);
          return parseEnvironmentText(files[name]);
        }),
      );
    } else if (isMap(data.environment)) {
      envGiven = Object.keys(data.environment).length > 0;
      env = mergeEnvironments([checkEnvironment(data.environment)]);
    } else if (typeof data.environment === 'string') {
      envGiven = true;
      env = mergeEnvironments([parseEnvironmentText(data.environment)]);
    }
  } catch (e) {
    parseError('Environment', e);
  }
  if (data.parameters !== undefined && data.parameters !== null && !isMap(data.parameters))
    throw new BadRequest('The "parameters" of the request must be a map.');
  env.parameters = { ...env.parameters, ...(data.parameters ?? {}) };
  return { template, env, files, envGiven };
}

/** Heat's extract_bool: true/false in any case (and real booleans). */
export function boolParam(name: string, value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  const s = String(value).toLowerCase();
  if (s === 'true') return true;
  if (s === 'false') return false;
  throw new BadRequest(`Unrecognized value "${value}" for "${name}", acceptable values are: true, false.`);
}

/** Heat's extract_int. */
export function intParam(name: string, value: unknown, allowZero = true): number {
  const n = typeof value === 'number' ? value : /^-?\d+$/.test(String(value).trim()) ? Number(value) : Number.NaN;
  if (!Number.isInteger(n)) throw new BadRequest(`Only integer is acceptable by '${name}'.`);
  if (n < 0) throw new BadRequest(`Only non-negative integer is acceptable by '${name}'.`);
  if (n === 0 && !allowZero) throw new BadRequest(`Only positive integer is acceptable by '${name}'.`);
  return n;
}

/** Stack tags: a list of strings or a comma-separated string, Heat's checks applied. */
export function tagsParam(value: unknown): string[] | null {
  if (value === undefined || value === null) return null;
  const tags = typeof value === 'string' ? value.split(',') : value;
  if (!Array.isArray(tags)) throw new BadRequest(`Invalid tags, not a list: ${value}`);
  for (const t of tags) {
    if (typeof t !== 'string') throw new BadRequest(`Invalid tag, "${t}" is not a string`);
    if (t.length > 80) throw new BadRequest(`Invalid tag, "${t}" is longer than 80 characters`);
  }
  return tags as string[];
}

const NAME_RE = /^[a-zA-Z][a-zA-Z0-9_.-]{0,254}$/;

export function stackName(data: Record<string, unknown>): string {
  if (!('stack_name' in data)) throw new BadRequest('No stack name specified');
  const name = data.stack_name;
  if (typeof name !== 'string')
    throw new BadRequest(`Invalid stack name ${name}, must be a string`, 'StackValidationFailed');
  if (!NAME_RE.test(name))
    throw new BadRequest(
      `Invalid stack name ${name} must contain only alphanumeric or "_-." characters, must start with alpha and must be 255 characters or less.`,
      'StackValidationFailed',
    );
  return name;
}
