import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Cloud } from '../cloud.js';

// Secrets the store must give back (credential blobs, EC2 secrets among them)
// are kept sealed: AES-256-GCM under a key made at first start in the data
// dir (mode 0600), as Keystone encrypts credential blobs with its credential
// keys. A copy of the database alone holds none of them in the clear.

export const KEY_FILE = 'credential_key';
const PREFIX = 'sealed:v1:';
const keys = new WeakMap<Cloud, Buffer>();

function key(cloud: Cloud): Buffer {
  let k = keys.get(cloud);
  if (k) return k;
  const file = join(cloud.config.dataDir, KEY_FILE);
  const read = () => Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
  try {
    k = read();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    mkdirSync(cloud.config.dataDir, { recursive: true, mode: 0o700 });
    try {
      // 'wx': a concurrent first start keeps whichever key was written first
      writeFileSync(file, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    } catch (w) {
      if ((w as NodeJS.ErrnoException).code !== 'EEXIST') throw w;
    }
    k = read();
  }
  if (k.length !== 32) throw new Error(`${file} is not a 32-byte key in base64`);
  keys.set(cloud, k);
  return k;
}

export function isSealed(text: string): boolean {
  return text.startsWith(PREFIX);
}

/** `text` sealed for the store: "sealed:v1:" + base64(iv, tag, ciphertext). */
export function seal(cloud: Cloud, text: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key(cloud), iv);
  const body = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
  return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
}

/** The text `seal` sealed; text stored before sealing existed passes through as it is. */
export function unseal(cloud: Cloud, stored: string): string {
  if (!isSealed(stored)) return stored;
  const raw = Buffer.from(stored.slice(PREFIX.length), 'base64');
  const decipher = createDecipheriv('aes-256-gcm', key(cloud), raw.subarray(0, 12));
  decipher.setAuthTag(raw.subarray(12, 28));
  return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
}
