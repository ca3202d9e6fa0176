// oslo.policy's check language, which Keystone's default rules are written in:
//   "(role:reader and system_scope:all) or user_id:%(target.user.id)s"
// Checks are `kind:match`: `role:X` (the caller holds role X), `rule:X`
// (another named rule), `@`/`!` (always/never), and generic checks whose
// left side is a credential attribute (or a literal such as None) compared
// with the right side, where %(name)s is taken from the flattened target.
// Rules are parsed once and cached.

export type Credentials = Record<string, unknown>;
export type Target = Record<string, unknown>;
type Check = (creds: Credentials, target: Target, rules: RuleLookup) => boolean;
export type RuleLookup = (name: string) => Check | undefined;

const cache = new Map<string, Check>();

export function parseRule(text: string): Check {
  let check = cache.get(text);
  if (!check) {
    check = parse(text);
    cache.set(text, check);
  }
  return check;
}

/** Splits on whitespace, then peels grouping parentheses off each word (as oslo.policy does: %(x)s stays whole). */
function tokenize(text: string): string[] {
  const out: string[] = [];
  for (const word of text.split(/\s+/).filter((w) => w !== '')) {
    const open = word.length - word.replace(/^\(+/, '').length;
    const inner = word.replace(/^\(+/, '');
    const core = inner.replace(/\)+$/, '');
    const close = inner.length - core.length;
    for (let i = 0; i < open; i++) out.push('(');
    if (core !== '') out.push(core);
    for (let i = 0; i < close; i++) out.push(')');
  }
  return out;
}

function parse(text: string): Check {
  const tokens = tokenize(text);
  if (tokens.length === 0) return () => true;
  let pos = 0;
  const peek = () => tokens[pos];
  const orExpr = (): Check => {
    const parts = [andExpr()];
    while (peek() === 'or') {
      pos++;
      parts.push(andExpr());
    }
    return parts.length === 1 ? parts[0] : (c, t, r) => parts.some((p) => p(c, t, r));
  };
  const andExpr = (): Check => {
    const parts = [notExpr()];
    while (peek() === 'and') {
      pos++;
      parts.push(notExpr());
    }
    return parts.length === 1 ? parts[0] : (c, t, r) => parts.every((p) => p(c, t, r));
  };
  const notExpr = (): Check => {
    if (peek() === 'not') {
      pos++;
      const inner = notExpr();
      return (c, t, r) => !inner(c, t, r);
    }
    if (peek() === '(') {
      pos++;
      const inner = orExpr();
      if (tokens[pos++] !== ')') return () => false;
      return inner;
    }
    return atom(tokens[pos++] ?? '!');
  };
  const check = orExpr();
  // oslo.policy rejects the whole rule when it does not parse; so do we.
  return pos === tokens.length ? check : () => false;
}

function atom(token: string): Check {
  if (token === '@') return () => true;
  if (token === '!') return () => false;
  const colon = token.indexOf(':');
  if (colon < 0) return () => false;
  const kind = token.slice(0, colon);
  const match = token.slice(colon + 1);
  if (kind === 'role') {
    const want = match.toLowerCase();
    return (c, t) => {
      const role = substitute(want, t);
      return role !== undefined && ((c.roles as string[]) ?? []).some((r) => r.toLowerCase() === role.toLowerCase());
    };
  }
  if (kind === 'rule') return (c, t, rules) => rules(match)?.(c, t, rules) ?? false;
  return (c, t) => {
    const value = substitute(match, t);
    if (value === undefined) return false;
    const literal = pythonLiteral(kind);
    if (literal !== undefined) return value === literal;
    let have: unknown = c;
    for (const part of kind.split('.')) {
      if (have === null || typeof have !== 'object' || !(part in (have as object))) return false;
      have = (have as Record<string, unknown>)[part];
    }
    if (Array.isArray(have)) return have.map(String).includes(value);
    return pyStr(have) === value;
  };
}

/** "%(target.user.id)s" filled from the target; undefined when the target lacks the key. */
function substitute(match: string, target: Target): string | undefined {
  let missing = false;
  const out = match.replace(/%\(([^)]+)\)s/g, (_, key: string) => {
    if (!(key in target)) {
      missing = true;
      return '';
    }
    return pyStr(target[key]);
  });
  return missing ? undefined : out;
}

/** What Python's str() gives, which is what oslo.policy compares. */
function pyStr(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  return String(v);
}

/** The left side of a generic check may be a Python literal ('None', 'True', a quoted string). */
function pythonLiteral(kind: string): string | undefined {
  if (kind === 'None' || kind === 'True' || kind === 'False') return kind;
  if (/^-?\d+$/.test(kind)) return kind;
  const quoted = /^'(.*)'$|^"(.*)"$/.exec(kind);
  if (quoted) return quoted[1] ?? quoted[2];
  return undefined;
}

/** Flattens {user: {id: 1}} into {"user.id": 1}, as oslo.policy does with targets. */
export function flatten(obj: Record<string, unknown>, prefix = '', out: Target = {}): Target {
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v === undefined) continue;
    if (v && typeof v === 'object' && !Array.isArray(v)) flatten(v as Record<string, unknown>, key, out);
    else out[key] = v;
  }
  return out;
}
