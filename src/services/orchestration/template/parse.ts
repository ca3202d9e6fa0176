import { parseDocument, type ScalarTag, type Tags } from 'yaml';
import { depthMessage, jsonTooDeep, valueTooDeep } from '../../../server/depth.js';

// Heat reads templates and environments as JSON or, failing that, YAML as
// PyYAML's safe loader does (YAML 1.1 with PyYAML's own resolvers), except
// that dates stay strings so that `heat_template_version: 2018-08-31` is a
// version, not a timestamp. PyYAML's resolvers differ from the YAML 1.1
// spec's: `y` and `n` stay strings, a float needs a dot (1e3 is a string,
// 1.0e+3 a float), `08` is a string, `0755` octal. The scalar tags below are
// PyYAML's regular expressions, replacing the yaml library's 1.1 ones.

const YAML = 'tag:yaml.org,2002:';

/** PyYAML's int: signs, underscores, 0b binary, 0 octal, 0x hex, base-60 with colons. */
function pyInt(raw: string): number {
  let s = raw.replace(/_/g, '');
  let sign = 1;
  if (s[0] === '-' || s[0] === '+') {
    if (s[0] === '-') sign = -1;
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s.startsWith('0b')) return sign * Number.parseInt(s.slice(2), 2);
  if (s.startsWith('0x')) return sign * Number.parseInt(s.slice(2), 16);
  if (s.startsWith('0')) return sign * Number.parseInt(s, 8);
  if (s.includes(':')) return sign * s.split(':').reduce((acc, d) => acc * 60 + Number(d), 0);
  return sign * Number(s);
}

function pyFloat(raw: string): number {
  let s = raw.replace(/_/g, '').toLowerCase();
  let sign = 1;
  if (s[0] === '-' || s[0] === '+') {
    if (s[0] === '-') sign = -1;
    s = s.slice(1);
  }
  if (s === '.inf') return sign * Number.POSITIVE_INFINITY;
  if (s === '.nan') return Number.NaN;
  if (s.includes(':')) return sign * s.split(':').reduce((acc, d) => acc * 60 + Number(d), 0);
  return sign * Number(s);
}

const PYYAML_SCALARS: ScalarTag[] = [
  {
    tag: `${YAML}bool`,
    default: true,
    identify: (v) => typeof v === 'boolean',
    test: /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/,
    resolve: (s) => /^(?:yes|true|on)$/i.test(s),
  },
  {
    tag: `${YAML}int`,
    default: true,
    identify: (v) => typeof v === 'number' && Number.isInteger(v),
    test: /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/,
    resolve: pyInt,
  },
  {
    tag: `${YAML}float`,
    default: true,
    identify: (v) => typeof v === 'number',
    test: /^(?:[-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/,
    resolve: pyFloat,
  },
];

const REPLACED = new Set(['bool', 'int', 'float', 'timestamp'].map((t) => YAML + t));

/** The 1.1 schema's tags with PyYAML's bool, int and float, and no timestamps. */
const pyyamlTags = (tags: Tags) => [
  ...PYYAML_SCALARS,
  ...tags.filter((t) => !REPLACED.has(String((t as { tag?: string }).tag))),
];

/** Thrown for text that is not a template or environment; the message says where. */
export class ParseError extends Error {}

/** JSON or YAML text to a value; YAML errors name the line and column as PyYAML does. */
export function parseYamlOrJson(text: string, what: string): unknown {
  const tooDeep = `Error parsing ${what} ${depthMessage().replace('request body', what)}`;
  if (jsonTooDeep(text)) throw new ParseError(tooDeep);
  try {
    return JSON.parse(text);
  } catch {
    // not JSON: YAML it is
  }
  let doc: ReturnType<typeof parseDocument>;
  try {
    doc = parseDocument(text, { version: '1.1', uniqueKeys: false, customTags: pyyamlTags });
  } catch (e) {
    throw new ParseError(`Error parsing ${what} ${(e as Error).message}`);
  }
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
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 1000 }) ?? {};
  } catch (e) {
    // PyYAML has no alias limit; a billion laughs is refused here rather than expanded
    throw new ParseError(`Error parsing ${what} ${(e as Error).message}`);
  }
  if (valueTooDeep(value)) throw new ParseError(tooDeep);
  return value;
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
