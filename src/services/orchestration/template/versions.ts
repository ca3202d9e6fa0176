// The HOT versions Heat accepts (by date, and the release names that alias
// them), each with the functions it offers. What differs between versions
// beyond the function list is a feature flag here, read by the evaluator.

const DESCRIPTIONS: Record<string, string> = {
  get_attr: 'A function for resolving resource attributes.',
  get_file: 'A function for including a file inline.',
  get_param: 'A function for resolving parameter references.',
  get_resource: 'A function for resolving resource references.',
  list_join: 'A function for joining strings.',
  list_join_multiple: 'A function for joining one or more lists of strings.',
  repeat: 'A function for iterating over a list of items.',
  repeat_map: 'A function for iterating over a list of items or a dict of keys.',
  resource_facade: 'A function for retrieving data in a parent provider template.',
  str_replace: 'A function for performing string substitutions.',
  str_replace_strict: 'A function for performing string substitutions.',
  str_replace_vstrict: 'A function for performing string substitutions.',
  digest: 'A function for performing digest operations.',
  str_split: 'A function for splitting delimited strings into a list.',
  map_merge: 'A function for merging maps.',
  yaql: 'A function for executing a yaql expression.',
  map_replace: 'A function for performing substitutions on maps.',
  if: 'A function to return corresponding value based on condition evaluation.',
  filter: 'A function for filtering out values from lists.',
  // Heat's own docstring for make_url says this too
  make_url: 'A function for performing substitutions on maps.',
  list_concat: 'A function for extending lists.',
  list_concat_unique: 'A function for extending lists with unique items.',
  contains: 'A function for checking whether specific value is in sequence.',
  equals: 'A function for comparing whether two values are equal.',
  not: 'A function that acts as a NOT operator on a condition.',
  and: 'A function that acts as an AND operator on conditions.',
  or: 'A function that acts as an OR operator on conditions.',
  'Fn::Select': 'A function for selecting an item from a list or map.',
  'Fn::GetAZs': 'A function for retrieving the availability zones.',
  Ref: 'A function for resolving parameters or resource references.',
  'Fn::Join': 'A function for joining strings.',
  'Fn::Split': 'A function for splitting strings.',
  'Fn::Replace': 'A function for performing string substitutions.',
  'Fn::Base64': 'A placeholder function for converting to base64.',
  'Fn::MemberListToMap': 'A function to convert lists with enumerated keys and values to mapping.',
  'Fn::ResourceFacade': 'A function for retrieving data in a parent provider template.',
};

const CFN_2013 = [
  'Fn::GetAZs',
  'Ref',
  'Fn::Select',
  'Fn::Join',
  'Fn::Split',
  'Fn::Replace',
  'Fn::Base64',
  'Fn::MemberListToMap',
  'Fn::ResourceFacade',
];

export interface HotVersion {
  /** The date form, "2018-08-31". */
  date: string;
  aliases: string[];
  /** Functions usable in this version. */
  functions: string[];
  /** Functions of older versions that this one refuses with "not supported in this version". */
  removed: string[];
  /** Functions usable inside `conditions` (empty before 2016-10-14: no conditions section). */
  conditionFunctions: string[];
  /** get_attr path selection through the attribute (2013) vs into it (later); get_attr without a name (2015-10-15+). */
  getAttrAll: boolean;
  /** list_join takes several lists; str_replace serializes maps and lists as JSON (2015-10-15+). */
  json: boolean;
  /** repeat over maps (2016-10-14+) and with `permutations` (2017-09-01+). */
  repeatMaps: boolean;
  repeatPermutations: boolean;
  /** `if` with two arguments leaves the item out (2021-04-16+). */
  ifNullable: boolean;
  /** modulo parameter constraints (2017-02-24+), parameter tags (2018-03-02+). */
  modulo: boolean;
  paramTags: boolean;
}

interface Step {
  date: string;
  aliases?: string[];
  add?: string[];
  remove?: string[];
  conditions?: string[];
}

// Each version is the previous one plus/minus these.
const STEPS: Step[] = [
  {
    date: '2013-05-23',
    add: [
      'get_param',
      'get_resource',
      'get_attr',
      'list_join',
      'str_replace',
      'resource_facade',
      'get_file',
      ...CFN_2013,
    ],
  },
  { date: '2014-10-16', remove: CFN_2013.filter((f) => f !== 'Fn::Select') },
  { date: '2015-04-30', add: ['repeat', 'digest'] },
  { date: '2015-10-15', add: ['str_split'], remove: ['Fn::Select'] },
  { date: '2016-04-08', add: ['map_merge'] },
  {
    date: '2016-10-14',
    aliases: ['newton'],
    add: ['yaql', 'map_replace', 'if'],
    conditions: ['get_param', 'equals', 'not', 'and', 'or'],
  },
  { date: '2017-02-24', aliases: ['ocata'], add: ['filter', 'str_replace_strict'] },
  {
    date: '2017-09-01',
    aliases: ['pike'],
    add: ['make_url', 'list_concat', 'str_replace_vstrict', 'list_concat_unique', 'contains'],
    conditions: ['yaql', 'contains'],
  },
  { date: '2018-03-02', aliases: ['queens'] },
  { date: '2018-08-31', aliases: ['rocky'] },
  { date: '2021-04-16', aliases: ['wallaby'] },
];

function build(): HotVersion[] {
  const out: HotVersion[] = [];
  let fns: string[] = [];
  let removed: string[] = [];
  let conds: string[] = [];
  for (const s of STEPS) {
    fns = [...fns.filter((f) => !s.remove?.includes(f)), ...(s.add ?? [])];
    removed = [...removed, ...(s.remove ?? [])];
    conds = [...conds, ...(s.conditions ?? [])];
    const at = (d: string) => s.date >= d;
    out.push({
      date: s.date,
      aliases: s.aliases ?? [],
      functions: fns,
      removed,
      conditionFunctions: conds,
      getAttrAll: at('2015-10-15'),
      json: at('2015-10-15'),
      repeatMaps: at('2016-10-14'),
      repeatPermutations: at('2017-09-01'),
      ifNullable: at('2021-04-16'),
      modulo: at('2017-02-24'),
      paramTags: at('2018-03-02'),
    });
  }
  return out;
}

export const HOT_VERSIONS = build();

/** The version a template names (a date or a release name), if Heat knows it. */
export function findVersion(name: unknown): HotVersion | undefined {
  const v = String(name);
  return HOT_VERSIONS.find((h) => h.date === v || h.aliases.includes(v));
}

/** Every name `heat_template_version` accepts, in Heat's order (dates, then names). */
export function acceptedVersionNames(): string[] {
  return HOT_VERSIONS.flatMap((h) => [h.date, ...h.aliases]).sort();
}

/** The description Heat's template-functions API gives a function in a version. */
export function functionDescription(v: HotVersion, fn: string): string {
  if (fn === 'list_join' && v.json) return DESCRIPTIONS.list_join_multiple;
  if (fn === 'repeat' && v.repeatMaps) return DESCRIPTIONS.repeat_map;
  return DESCRIPTIONS[fn] ?? '';
}
