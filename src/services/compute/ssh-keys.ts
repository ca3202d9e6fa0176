import { createHash, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { BadRequest } from '../../server/errors.js';

// Key pair material as Nova makes and checks it: generated keys are RSA
// 2048 with the private key in PEM ("BEGIN RSA PRIVATE KEY", which
// `ssh-keygen -y` reads) and the public key in OpenSSH form; fingerprints
// are the colon-separated MD5 of the key blob (ssh) or SHA-1 of the
// certificate (x509), as Nova computes them.

function sshString(buf: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(buf.length);
  return Buffer.concat([len, buf]);
}

/** An unsigned big-endian integer as an SSH mpint (leading zero when the top bit is set). */
function mpint(b64url: string): Buffer {
  let b = Buffer.from(b64url, 'base64url');
  while (b.length > 1 && b[0] === 0 && !(b[1] & 0x80)) b = b.subarray(1);
  if (b[0] & 0x80) b = Buffer.concat([Buffer.from([0]), b]);
  return sshString(b);
}

function colonHex(digest: Buffer): string {
  return [...digest].map((x) => x.toString(16).padStart(2, '0')).join(':');
}

export function generateSshKeyPair(comment: string): { publicKey: string; privateKey: string; fingerprint: string } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicExponent: 65537,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'jwk' } as never,
  }) as unknown as { publicKey: { n: string; e: string }; privateKey: string };
  const blob = Buffer.concat([sshString(Buffer.from('ssh-rsa')), mpint(publicKey.e), mpint(publicKey.n)]);
  return {
    publicKey: `ssh-rsa ${blob.toString('base64')} ${comment}`,
    privateKey,
    fingerprint: colonHex(createHash('md5').update(blob).digest()),
  };
}

const SSH_TYPES = new Set([
  'ssh-rsa',
  'ssh-dss',
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'sk-ssh-ed25519@openssh.com',
  'sk-ecdsa-sha2-nistp256@openssh.com',
]);

const INVALID = 'Keypair data is invalid: failed to generate fingerprint';

/** Checks an OpenSSH public key line ("ssh-rsa AAAA... comment") and returns its fingerprint. */
export function sshFingerprint(publicKey: string): string {
  const parts = publicKey.trim().split(/\s+/);
  if (parts.length < 2 || !SSH_TYPES.has(parts[0])) throw new BadRequest(INVALID);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(parts[1])) throw new BadRequest(INVALID);
  const blob = Buffer.from(parts[1], 'base64');
  // the blob starts with its own type name; a mismatch means a corrupt key
  if (blob.length < 4) throw new BadRequest(INVALID);
  const n = blob.readUInt32BE(0);
  if (n > blob.length - 4 || blob.subarray(4, 4 + n).toString('latin1') !== parts[0]) throw new BadRequest(INVALID);
  if (parts[0] === 'ssh-rsa' && !wellFormed(blob, 2)) throw new BadRequest(INVALID);
  return colonHex(createHash('md5').update(blob).digest());
}

/** The blob holds its type name and then `fields` length-prefixed fields, exactly. */
function wellFormed(blob: Buffer, fields: number): boolean {
  let at = 0;
  for (let i = 0; i <= fields; i++) {
    if (at + 4 > blob.length) return false;
    at += 4 + blob.readUInt32BE(at);
  }
  return at === blob.length;
}

/** Checks a PEM X.509 certificate and returns Nova's fingerprint of it. */
export function x509Fingerprint(pem: string): string {
  try {
    const cert = new X509Certificate(pem);
    return colonHex(createHash('sha1').update(cert.raw).digest());
  } catch {
    throw new BadRequest(INVALID);
  }
}
