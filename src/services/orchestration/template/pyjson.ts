// Heat serializes maps and lists it splices into strings with Python's
// json.dumps(sort_keys=True): ", " and ": " separators, keys sorted.
export function pyDumps(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return `[${value.map(pyDumps).join(', ')}]`;
  if (typeof value === 'object') {
    const keys = Object.keys(value as object).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}: ${pyDumps((value as any)[k])}`).join(', ')}}`;
  }
  return JSON.stringify(value);
}

/** Python's str() of a scalar: True/False for booleans. */
export function pyStr(value: unknown): string {
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (value === null || value === undefined) return 'None';
  return String(value);
}

/** A short Python-ish repr for error messages. */
export function pyRepr(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return pyStr(value);
  if (typeof value === 'object') return pyDumps(value);
  return String(value);
}
