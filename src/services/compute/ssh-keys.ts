import { createHash, generateKeyPairSync, randomBytes, sign, X509Certificate } from 'node:crypto';
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

// A minimal DER writer, enough for one self-signed certificate.
function der(tag: number, body: Buffer): Buffer {
  const len = body.length;
  const head =
    len < 0x80
      ? Buffer.from([tag, len])
      : len < 0x100
        ? Buffer.from([tag, 0x81, len])
        : Buffer.from([tag, 0x82, len >> 8, len & 255]);
  return Buffer.concat([head, body]);
}
const seq = (...parts: Buffer[]) => der(0x30, Buffer.concat(parts));
const oid = (dotted: string) => {
  const [a, b, ...rest] = dotted.split('.').map(Number);
  const bytes = [40 * a + b];
  for (const n of rest) {
    const chunk = [n & 127];
    for (let v = n >> 7; v > 0; v >>= 7) chunk.unshift((v & 127) | 128);
    bytes.push(...chunk);
  }
  return der(0x06, Buffer.from(bytes));
};
const utcTime = (d: Date) => der(0x17, Buffer.from(`${d.toISOString().slice(2, 19).replace(/[-T:]/g, '')}Z`, 'ascii'));
const name = (cn: string) => seq(der(0x31, seq(oid('2.5.4.3'), der(0x0c, Buffer.from(cn, 'utf8')))));

/**
 * Nova's generated x509 key pair: an RSA 2048 key and a self-signed
 * certificate (CN = the user), valid for ten years; the fingerprint is the
 * certificate's SHA-1.
 */
export function generateX509KeyPair(commonName: string): {
  publicKey: string;
  privateKey: string;
  fingerprint: string;
} {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const sha256WithRsa = seq(oid('1.2.840.113549.1.1.11'), Buffer.from([0x05, 0x00]));
  const now = new Date();
  const until = new Date(now.getTime() + 10 * 365 * 86_400_000);
  // a positive INTEGER in minimal DER: top bit clear, first byte not zero
  // (a leading 0x00 before a byte under 0x80 is "illegal padding" to OpenSSL)
  const serial = randomBytes(8);
  serial[0] = (serial[0] & 0x7f) | 0x01;
  const tbs = seq(
    der(0xa0, der(0x02, Buffer.from([2]))),
    der(0x02, serial),
    sha256WithRsa,
    name(commonName),
    seq(utcTime(now), utcTime(until)),
    name(commonName),
    publicKey.export({ type: 'spki', format: 'der' }),
  );
  const signature = sign('sha256', tbs, privateKey);
  const cert = seq(tbs, sha256WithRsa, der(0x03, Buffer.concat([Buffer.from([0]), signature])));
  const pem = `-----BEGIN CERTIFICATE-----\n${cert
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .trim()}\n-----END CERTIFICATE-----\n`;
  return {
    publicKey: pem,
    privateKey: privateKey.export({ type: 'pkcs1', format: 'pem' }) as string,
    fingerprint: colonHex(createHash('sha1').update(cert).digest()),
  };
}
