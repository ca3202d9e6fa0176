// JSON columns are TEXT in every database we support, so the same queries
// serve SQLite and PostgreSQL. These two helpers are the only way in and out.

export function toJson(value: unknown): string {
  return JSON.stringify(value ?? null);
}

export function fromJson<T>(text: string | null | undefined, fallback: T): T {
  if (text === null || text === undefined || text === '') return fallback;
  // most list rows hold empty ones: not worth a parse each
  if (text === '[]') return [] as T;
  if (text === '{}') return {} as T;
  return JSON.parse(text) as T;
}
