// OpenStack services format times in several ways; each service picks one of
// these by name instead of formatting dates itself.

/** 2026-11-27T12:26:34Z (Nova, Neutron, Glance, Heat). */
export function isoSeconds(d: Date | string | number = new Date()): string {
  return new Date(d).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** 2026-11-27T12:26:34.000000Z (Keystone token times). */
export function isoMicros(d: Date | string | number = new Date()): string {
  return new Date(d).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** 2026-11-27T12:26:34.000000 (Cinder, Nova's older views: no zone suffix). */
export function isoMicrosNoZone(d: Date | string | number = new Date()): string {
  return new Date(d).toISOString().replace(/\.(\d{3})Z$/, '.$1000');
}

/** Now, as the store keeps times: ISO 8601 with milliseconds, UTC. */
export function now(): string {
  return new Date().toISOString();
}
