// Bodies nest at most MAX_DEPTH levels. Code that walks a value (error
// rendering, policy checks, template functions, JSON columns) recurses, and
// 10,000 levels of [[[...]]] — 20 KB of JSON — overflow the stack. The
// nesting is measured on the text, before anything parses or walks it.

/** Deep enough for any OpenStack body or Heat template (their deepest real ones nest about 20 levels). */
export const MAX_DEPTH = 100;

export function depthMessage(limit = MAX_DEPTH): string {
  return `The request body nests deeper than ${limit} levels.`;
}

/** Whether JSON text nests objects and arrays deeper than `limit` (strings skipped; not a validation). */
export function jsonTooDeep(text: string, limit = MAX_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 /* { */ || c === 91 /* [ */) {
      if (++depth > limit) return true;
    } else if (c === 125 /* } */ || c === 93 /* ] */) depth--;
  }
  return false;
}

/**
 * Whether a parsed value (YAML's, which the text scan cannot measure) nests
 * deeper than `limit`. Iterative, and linear even when YAML aliases share
 * nodes: each node's height is computed once.
 */
export function valueTooDeep(value: unknown, limit = MAX_DEPTH): boolean {
  const height = new Map<object, number>();
  const stack: Array<{ node: object; children: unknown[]; next: number }> = [];
  const enter = (v: unknown): boolean => {
    if (typeof v !== 'object' || v === null || height.has(v)) return false;
    if (stack.length >= limit) return true;
    if (stack.some((f) => f.node === v)) return true; // a cycle (a YAML alias inside its own anchor)
    stack.push({ node: v, children: Array.isArray(v) ? v : Object.values(v), next: 0 });
    return false;
  };
  if (enter(value)) return true;
  while (stack.length) {
    const top = stack[stack.length - 1];
    if (top.next < top.children.length) {
      if (enter(top.children[top.next++])) return true;
      continue;
    }
    let h = 1;
    for (const c of top.children) if (typeof c === 'object' && c !== null) h = Math.max(h, (height.get(c) ?? 0) + 1);
    if (h > limit) return true;
    height.set(top.node, h);
    stack.pop();
  }
  return false;
}
