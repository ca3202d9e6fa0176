import { BadRequest } from '../../../server/errors.js';

// Expiry times of trusts and application credentials keep the microseconds a
// client sent (Python clients send them and compare what comes back), so
// they are stored as text: 2026-11-27T14:11:27.611935Z.

const ISO = /^(\d{4}-\d\d-\d\d)(?:[T ](\d\d:\d\d)(?::(\d\d)(?:\.(\d+))?)?)?(Z|[+-]\d\d:?\d\d)?$/;

/**
 * An `expires_at` from a request as the store keeps it (UTC, microseconds),
 * refused as Keystone refuses it: not a timestamp, or in the past.
 */
export function expiresAt(value: unknown): string | null {
  if (value === null || value === undefined || value === '') return null;
  const m = ISO.exec(String(value));
  const ms = m ? Date.parse(`${m[1]}T${m[2] ?? '00:00'}:${m[3] ?? '00'}${m[5] ?? 'Z'}`) : Number.NaN;
  if (!m || Number.isNaN(ms))
    throw new BadRequest(
      'Timestamp not in expected format. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.',
    );
  const micros = (m[4] ?? '').padEnd(6, '0').slice(0, 6);
  if (ms + Number(micros) / 1000 < Date.now())
    throw new BadRequest(
      "The 'expires_at' must not be before now. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.",
    );
  return `${new Date(ms).toISOString().slice(0, 19)}.${micros}Z`;
}

/** As Python prints a naive datetime (application credentials): no zone, microseconds only when there are some. */
export function pythonIsoformat(stored: string): string {
  return stored.replace(/Z$/, '').replace(/\.000000$/, '');
}

/** As Keystone's isotime(subsecond=True) prints it (trusts). */
export function isotimeMicros(stored: string): string {
  return /\.\d{6}Z$/.test(stored) ? stored : `${new Date(stored).toISOString().slice(0, 19)}.000000Z`;
}
