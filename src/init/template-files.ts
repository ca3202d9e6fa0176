import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import YAML from 'yaml';

// What heatclient does before it sends a stack (template_utils): every
// `get_file` of a local path, every resource type that names a local
// template file (a provider template), and every such entry of the
// environment's resource_registry is read, put in the request's `files` map
// under its file:// URL, and named by that URL in the template. Nested
// templates are read the same way, relative to their own directory.

type Files = Record<string, string>;

const isUrl = (s: string) => /^[a-z][a-z0-9+.-]*:\/\//i.test(s);
const isTemplateName = (s: string) => /\.(ya?ml|template)$/.test(s);

function read(path: string, from: string): string {
  if (!existsSync(path)) throw new Error(`${from}: no file ${path}`);
  return readFileSync(path, 'utf8');
}

/** Rewrites a template (parsed) in place; returns it. `dir` is its directory. */
function walkTemplate(doc: unknown, dir: string, files: Files, from: string): unknown {
  const visit = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map((x) => visit(x));
    if (!v || typeof v !== 'object') return v;
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length === 1 && keys[0] === 'get_file' && typeof o.get_file === 'string' && !isUrl(o.get_file)) {
      const path = resolve(dir, o.get_file);
      const url = pathToFileURL(path).href;
      files[url] ??= read(path, from);
      return { get_file: url };
    }
    for (const k of keys) o[k] = visit(o[k]);
    // a resource (or a group's resource_def) whose type is a local template file: a provider template
    if (typeof o.type === 'string' && isTemplateName(o.type) && !isUrl(o.type)) {
      const path = resolve(dir, o.type);
      if (existsSync(path)) o.type = nested(path, files, from);
    }
    return o;
  };
  const t = doc as Record<string, unknown>;
  if (t && typeof t.resources === 'object' && t.resources)
    for (const r of Object.values(t.resources as Record<string, unknown>)) visit(r);
  for (const section of ['outputs', 'conditions', 'parameters'])
    if (t && typeof t[section] === 'object' && t[section]) t[section] = visit(t[section]);
  return doc;
}

/** A nested template file, read once, put in `files`; its URL. */
function nested(path: string, files: Files, from: string): string {
  const url = pathToFileURL(path).href;
  if (files[url] === undefined) {
    files[url] = ''; // a template that names itself stops here
    const doc = YAML.parse(read(path, from));
    files[url] = JSON.stringify(walkTemplate(doc, dirname(path), files, from));
  }
  return url;
}

/** The template and environment as heatclient would send them, with their `files`. */
export function withLocalFiles(
  template: unknown,
  templateFile: string,
  environment?: Record<string, unknown>,
  environmentFile?: string,
): { template: unknown; environment?: Record<string, unknown>; files: Files } {
  const files: Files = {};
  walkTemplate(template, dirname(templateFile), files, templateFile);
  const registry = environment?.resource_registry as Record<string, unknown> | undefined;
  if (registry && environmentFile) {
    const dir = dirname(environmentFile);
    const rewrite = (m: Record<string, unknown>) => {
      for (const [k, v] of Object.entries(m)) {
        if (typeof v === 'string' && isTemplateName(v) && !isUrl(v))
          m[k] = nested(resolve(dir, v), files, environmentFile);
        else if (k === 'resources' && v && typeof v === 'object')
          for (const r of Object.values(v as Record<string, unknown>))
            if (r && typeof r === 'object') rewrite(r as Record<string, unknown>);
      }
    };
    rewrite(registry);
  }
  return { template, ...(environment ? { environment } : {}), files };
}
