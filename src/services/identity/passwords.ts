import { randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';

// Passwords (and application credential secrets) are hashed with scrypt and
// compared in constant time. A hash records its own parameters:
//   scrypt$<log2 N>$<r>$<p>$<salt b64>$<hash b64>
// so raising the cost later does not break stored hashes.

const R = 8;
// N=2^14, r=8, p=5 is one of OWASP's equivalent recommended scrypt settings (the default cost)
const P = 5;
const KEYLEN = 32;

function scrypt(secret: string, salt: Buffer, cost: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCb(secret, salt, KEYLEN, { N: 2 ** cost, r, p, maxmem: 256 * 1024 * 1024 }, (err, key) =>
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
