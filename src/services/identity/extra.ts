import { fromJson, toJson } from '../../store/json.js';

// Keystone keeps any attribute it has no column for in an `extra` JSON
// column and returns it as if it were one (users' "email", for instance).
// These two functions are the only way in and out of it.

/** Splits a request body into the known attributes and the JSON of the rest. */
export function splitExtra(
  body: Record<string, unknown>,
  known: readonly string[],
  previous = '{}',
): { extra: string; has: (k: string) => boolean } {
  const extra = fromJson<Record<string, unknown>>(previous, {});
  for (const [k, v] of Object.entries(body)) {
    if (!known.includes(k) && k !== 'links' && k !== 'id') extra[k] = v;
  }
  return { extra: toJson(extra), has: (k) => Object.hasOwn(body, k) };
}

export function extraOf(json: string | null | undefined): Record<string, unknown> {
  return fromJson<Record<string, unknown>>(json, {});
}
