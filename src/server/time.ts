// OpenStack services format times in several ways; each service picks one of
// these by name instead of formatting dates itself.

// A time in the store's own form (now() below) is already what toISOString
// would give back, so it is cut, not parsed and formatted again: lists format
// two or three times per row, and parsing was half of a port's view.
const STORED = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

function canonical(d: Date | string | number): string {
  return typeof d === 'string' && d.length === 24 && STORED.test(d) ? d : new Date(d).toISOString();
}

/** 2026-11-27T12:26:34Z (Nova, Neutron, Glance, Heat). */
export function isoSeconds(d: Date | string | number = new Date()): string {
  return `${canonical(d).slice(0, -5)}Z`;
}

/** 2026-11-27T12:26:34.000000Z (Keystone token times). */
export function isoMicros(d: Date | string | number = new Date()): string {
  return `${canonical(d).slice(0, -1)}000Z`;
}

/** 2026-11-27T12:26:34.000000 (Cinder, Nova's older views: no zone suffix). */
export function isoMicrosNoZone(d: Date | string | number = new Date()): string {
  return `${canonical(d).slice(0, -1)}000`;
}

/** Now, as the store keeps times: ISO 8601 with milliseconds, UTC. */
export function now(): string {
  return new Date().toISOString();
}
