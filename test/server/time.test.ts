import { describe, expect, it } from 'vitest';
import { isoMicros, isoMicrosNoZone, isoSeconds, now } from '../../src/server/time.js';

// What the formats were before the store's own form got its shortcut: parse, format, cut.
const reference = {
  isoSeconds: (d: Date | string | number) => new Date(d).toISOString().replace(/\.\d{3}Z$/, 'Z'),
  isoMicros: (d: Date | string | number) => new Date(d).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z'),
  isoMicrosNoZone: (d: Date | string | number) => new Date(d).toISOString().replace(/\.(\d{3})Z$/, '.$1000'),
};

describe('server: time formats', () => {
  const inputs: (Date | string | number)[] = [
    now(),
    '2026-11-27T12:26:34.123Z',
    '2026-11-27T12:26:34Z',
    '2026-11-27 12:26:34',
    '2026-11-27T12:26:34.5+02:00',
    '2026-11-27T12:26:34.123456Z',
    '2026-11-27',
    1_700_000_000_123,
    new Date(Date.UTC(2030, 0, 1, 0, 0, 0, 7)),
    new Date(Date.UTC(12345, 0, 1)),
  ];

  it('formats every kind of input as before, the store form by its shortcut included', () => {
    for (const d of inputs) {
      expect(isoSeconds(d), String(d)).toBe(reference.isoSeconds(d));
      expect(isoMicros(d), String(d)).toBe(reference.isoMicros(d));
      expect(isoMicrosNoZone(d), String(d)).toBe(reference.isoMicrosNoZone(d));
    }
    expect(isoSeconds('2026-11-27T12:26:34.123Z')).toBe('2026-11-27T12:26:34Z');
    expect(isoMicros('2026-11-27T12:26:34.123Z')).toBe('2026-11-27T12:26:34.123000Z');
    expect(isoMicrosNoZone('2026-11-27T12:26:34.123Z')).toBe('2026-11-27T12:26:34.123000');
  });

  it('still refuses what is not a time', () => {
    expect(() => isoSeconds('not a time')).toThrow(RangeError);
  });
});
