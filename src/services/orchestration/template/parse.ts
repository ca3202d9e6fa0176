import { parseDocument, type Tags } from 'yaml';

// Heat reads templates and environments as JSON or, failing that, YAML 1.1
// (PyYAML's safe loader), except that dates stay strings so that
// `heat_template_version: 2018-08-31` is a version, not a timestamp.

const noTimestamps = (tags: Tags) => tags.filter((t) => !String((t as { tag?: string }).tag).endsWith(':timestamp'));

/** Thrown for text that is not a template or environment; the message says where. */
export class ParseError extends Error {}

/** JSON or YAML text to a value; YAML errors name the line and column as PyYAML does. */
export function parseYamlOrJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // not JSON: YAML it is
  }
  const doc = parseDocument(text, { version: '1.1', uniqueKeys: false, customTags: noTimestamps });
  const err = doc.errors[0];
  if (err) {
    const [reason, ...context] = err.message.split('\n');
    const pos = err.linePos?.[0];
    const where = pos ? `\n  in "<unicode string>", line ${pos.line}, column ${pos.col}:` : '';
    const snippet = context.filter((l) => l.trim() !== '').join('\n');
    throw new ParseError(
      `Error parsing ${what} ${reason.replace(/ at line \d+, column \d+:?$/, '')}${where}\n${snippet}`.trimEnd(),
    );
  }
  return doc.toJS({ maxAliasCount: 1000 }) ?? {};
}

const VERSION_KEYS = ['heat_template_version', 'HeatTemplateFormatVersion', 'AWSTemplateFormatVersion'];

/** A template from its text: a mapping that names its format version. */
export function parseTemplateText(text: string, url?: string): Record<string, unknown> {
  const tpl = parseYamlOrJson(text, `template ${url ?? '[root stack]'}`);
  if (!isMap(tpl)) throw new ParseError('The template is not a JSON object or YAML mapping.');
  if (!VERSION_KEYS.some((k) => k in tpl)) throw new ParseError('Template format version not found.');
  return tpl;
}

export function isMap(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
