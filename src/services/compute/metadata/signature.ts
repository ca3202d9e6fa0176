import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Cloud } from '../../../cloud.js';

// The secret the metadata proxy and the metadata service share (Nova's and
// Neutron's metadata_proxy_shared_secret): the proxy signs the instance id it
// found for a guest with it, and the metadata service answers only requests
// whose X-Instance-ID-Signature is right. Made at first start, kept in the
// data dir readable by its owner only.

export const SECRET_FILE = 'metadata_proxy_shared_secret';

const secrets = new WeakMap<Cloud, Buffer>();

/** The cloud's shared secret, created (mode 0600) when the data dir has none. */
export function metadataSecret(cloud: Cloud): Buffer {
  let s = secrets.get(cloud);
  if (s) return s;
  const file = join(cloud.config.dataDir, SECRET_FILE);
  try {
    s = Buffer.from(readFileSync(file, 'utf8').trim(), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    mkdirSync(cloud.config.dataDir, { recursive: true, mode: 0o700 });
    const fresh = randomBytes(32).toString('hex');
    try {
      // 'wx': a concurrent first start keeps whichever secret was written first
      writeFileSync(file, `${fresh}\n`, { mode: 0o600, flag: 'wx' });
    } catch (w) {
      if ((w as NodeJS.ErrnoException).code !== 'EEXIST') throw w;
    }
    s = Buffer.from(readFileSync(file, 'utf8').trim(), 'utf8');
  }
  if (s.length === 0) throw new Error(`${file} is empty: delete it and restart to make a new one`);
  secrets.set(cloud, s);
  return s;
}

/** X-Instance-ID-Signature for an instance id: HMAC-SHA256, hex, as neutron-metadata-agent signs it. */
export function signInstanceId(secret: Buffer, instanceId: string): string {
  return createHmac('sha256', secret).update(instanceId).digest('hex');
}

/** Whether `signature` is the right one for `instanceId` (constant time). */
export function signatureValid(secret: Buffer, instanceId: string, signature: string): boolean {
  const want = Buffer.from(signInstanceId(secret, instanceId));
  const got = Buffer.from(signature);
  return got.length === want.length && timingSafeEqual(got, want);
}
