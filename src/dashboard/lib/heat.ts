// Launch Stack: the files a template reads with get_file, and the
// parameters form built from Heat's own validation of the template.

/** The names a template reads with get_file (block and flow YAML, JSON). */
export function getFileRefs(template: string): string[] {
  const refs = new Set<string>();
  const re = /["']?get_file["']?\s*:\s*["']?([^\s"'{}[\],]+)/g;
  for (const m of template.matchAll(re)) refs.add(m[1]);
  return [...refs];
}

/** The file chosen for a reference: by its name (what a path ends with). */
export function matchFiles(refs: string[], files: { name: string; text: string }[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const ref of refs) {
    const base = ref
      .replace(/^file:\/\//, '')
      .split('/')
      .pop();
    const f = files.find((x) => x.name === base);
    if (f) out[ref] = f.text;
  }
  return out;
}

export interface HeatParameter {
  Type: string;
  Default?: unknown;
  Description?: string;
  Label?: string;
  NoEcho?: string | boolean;
  AllowedValues?: unknown[];
}

export interface ParamField {
  name: string;
  label: string;
  type: string;
  description: string;
  secret: boolean;
  value: string;
  choices?: string[];
}

/** Form fields from Heat's validate answer ("Parameters"), in the template's order. */
export function paramFields(params: Record<string, HeatParameter> | undefined): ParamField[] {
  return Object.entries(params ?? {}).map(([name, p]) => ({
    name,
    label: p.Label || name,
    type: p.Type,
    description: p.Description ?? '',
    secret: p.NoEcho === true || p.NoEcho === 'true',
    value:
      p.Default === undefined || p.Default === null
        ? ''
        : typeof p.Default === 'string'
          ? p.Default
          : JSON.stringify(p.Default),
    choices: p.AllowedValues?.map(String),
  }));
}
