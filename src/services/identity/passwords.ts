import { randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';

// Passwords (and application credential secrets) are hashed with scrypt and
// compared in constant time. A hash records its own parameters:
//   scrypt$<log2 N>$<r>$<p>$<salt b64>$<hash b64>
// so raising the cost later does not break stored hashes.

// The default cost is set against what the real Keystone (Zed) does: bcrypt
// with 12 rounds. Measured on the same machine (npm run bench -- identity
// prints both), scrypt with N=2^16 (config passwordHashCost 16), r=10, p=1
// takes at least as much CPU per guess as bcrypt-12, and needs 80 MiB of
// memory per guess where bcrypt needs 4 KiB: equal for a CPU attacker, much
// dearer for a GPU or ASIC one. Keystone's own scrypt option defaults to
// N=2^16, r=8, p=1; r=10 is what it takes to also match bcrypt-12 in CPU.
const R = 10;
const P = 1;
const KEYLEN = 32;

function scrypt(secret: string, salt: Buffer, cost: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCb(secret, salt, KEYLEN, { N: 2 ** cost, r, p, maxmem: 512 * 1024 * 1024 }, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

export async function hashPassword(secret: string, cost: number): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(secret, salt, cost, R, P);
  return ['scrypt', cost, R, P, salt.toString('base64'), key.toString('base64')].join('$');
}

export async function verifyPassword(secret: string, stored: string | null | undefined): Promise<boolean> {
  if (!stored) return false;
  const [alg, cost, r, p, salt, hash] = stored.split('$');
  if (alg !== 'scrypt' || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const key = await scrypt(secret, Buffer.from(salt, 'base64'), Number(cost), Number(r), Number(p));
  return key.length === expected.length && timingSafeEqual(key, expected);
}
