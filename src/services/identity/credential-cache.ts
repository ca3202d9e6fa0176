import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Cloud } from '../../cloud.js';
import { verifyPassword } from './passwords.js';

// Every `openstack` command issues a new token with the password, and a
// scrypt as strong as Keystone's bcrypt costs ~0.4 s of CPU. This cache makes
// the second and later logins cheap without weakening what is stored: it
// remembers, for a short time, an HMAC (under a key made at process start and
// never written anywhere) of the subject id, its stored hash and the secret
// that was verified against that hash. A login matches only when all three
// are the same, so a changed password (a new stored hash, even one written
// by another process sharing the database) never matches an old entry; the
// user's row, domain and role assignments are still read on every login, so
// disabling or deleting the user or removing a role takes effect at once.
// Only successful verifications are remembered: a wrong password always pays
// the full hash. `--no-credential-cache` turns it off.

interface Entry {
  mac: Buffer;
  expiresAt: number;
}

export class CredentialCache {
  private readonly key = randomBytes(32);
  private readonly entries = new Map<string, Entry>();
  /** Lookups that skipped the hash / that had to hash (for tests and `status`). */
  readonly stats = { hits: 0, misses: 0 };

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 4096,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  private mac(subject: string, storedHash: string, secret: string): Buffer {
    // lengths first, so no two different triples give the same input
    const h = createHmac('sha256', this.key);
    for (const part of [subject, storedHash, secret]) h.update(`${Buffer.byteLength(part)}:`).update(part);
    return h.digest();
  }

  /** Whether `secret` was verified against exactly `storedHash` for `subject` within the TTL. */
  has(subject: string, storedHash: string, secret: string): boolean {
    const e = this.entries.get(subject);
    if (!e) return false;
    if (e.expiresAt <= this.now()) {
      this.entries.delete(subject);
      return false;
    }
    return timingSafeEqual(e.mac, this.mac(subject, storedHash, secret));
  }

  remember(subject: string, storedHash: string, secret: string): void {
    if (this.ttlMs <= 0) return;
    this.entries.delete(subject); // re-inserted last: the Map's order is the eviction order
    this.entries.set(subject, { mac: this.mac(subject, storedHash, secret), expiresAt: this.now() + this.ttlMs });
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
  }

  forget(subject: string): void {
    this.entries.delete(subject);
  }

  clear(): void {
    this.entries.clear();
  }
}

const caches = new WeakMap<Cloud, CredentialCache>();

/** The cloud's cache (one per process and cloud; TTL from config.credentialCacheSeconds, 0 = off). */
export function credentialCache(cloud: Cloud): CredentialCache {
  let c = caches.get(cloud);
  if (!c) {
    c = new CredentialCache((cloud.config.credentialCacheSeconds ?? 0) * 1000);
    caches.set(cloud, c);
  }
  return c;
}

export const userSubject = (userId: string) => `user:${userId}`;
export const appCredSubject = (id: string) => `application_credential:${id}`;

/** verifyPassword, through the cache. */
export async function verifySecret(
  cloud: Cloud,
  subject: string,
  secret: string,
  stored: string | null | undefined,
): Promise<boolean> {
  if (!stored) return false;
  const cache = credentialCache(cloud);
  if (cache.has(subject, stored, secret)) {
    cache.stats.hits++;
    return true;
  }
  cache.stats.misses++;
  if (!(await verifyPassword(secret, stored))) return false;
  cache.remember(subject, stored, secret);
  return true;
}

/** Drops what the cache knows of a user (password change, disable, delete). */
export function forgetUser(cloud: Cloud, userId: string): void {
  credentialCache(cloud).forget(userSubject(userId));
}
