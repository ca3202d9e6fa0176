import { execFileSync } from 'node:child_process';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestCloud, testCloud } from '../../helpers.js';

const url = '/compute/v2.1/os-keypairs';
// a real OpenSSH ed25519 public key and its MD5 fingerprint as ssh-keygen -E md5 prints it
const ED25519 = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl test@host';

describe('compute: key pairs', () => {
  let t: TestCloud;
  beforeAll(async () => {
    t = await testCloud();
  });
  afterAll(() => t.close());

  it('generates a key pair whose private key ssh-keygen accepts and whose public key matches', async () => {
    const res = await t.call({ method: 'POST', url, as: 'demo', payload: { keypair: { name: 'k1' } } });
    expect(res.statusCode).toBe(200);
    const kp = res.json().keypair;
    expect(kp.private_key).toMatch(/^-----BEGIN RSA PRIVATE KEY-----/);
    expect(kp.fingerprint).toMatch(/^([0-9a-f]{2}:){15}[0-9a-f]{2}$/);
    const dir = mkdtempSync(join(tmpdir(), 'kp-'));
    writeFileSync(join(dir, 'k'), kp.private_key, { mode: 0o600 });
    const pub = execFileSync('ssh-keygen', ['-y', '-f', join(dir, 'k')])
      .toString()
      .trim();
    expect(pub.split(' ')[1]).toBe(kp.public_key.split(' ')[1]);
    writeFileSync(join(dir, 'k.pub'), kp.public_key);
    const fp = execFileSync('ssh-keygen', ['-l', '-E', 'md5', '-f', join(dir, 'k.pub')]).toString();
    expect(fp).toContain(`MD5:${kp.fingerprint}`);
    // shown later without the private key
    const show = await t.call({ method: 'GET', url: `${url}/k1`, as: 'demo' });
    expect(show.json().keypair).toMatchObject({ name: 'k1', public_key: kp.public_key, deleted: false });
    expect(show.json().keypair).not.toHaveProperty('private_key');
  });

  it('imports a public key and computes its fingerprint; type shows from 2.2', async () => {
    const res = await t.call({
      method: 'POST',
      url,
      as: 'demo',
      headers: { 'openstack-api-version': 'compute 2.2' },
      payload: { keypair: { name: 'imported', public_key: ED25519 } },
    });
    expect(res.statusCode).toBe(201);
    expect(res.json().keypair).toMatchObject({ name: 'imported', type: 'ssh' });
    expect(res.json().keypair).not.toHaveProperty('private_key');
    const dir = mkdtempSync(join(tmpdir(), 'kp-'));
    writeFileSync(join(dir, 'k.pub'), ED25519);
    const fp = execFileSync('ssh-keygen', ['-l', '-E', 'md5', '-f', join(dir, 'k.pub')]).toString();
    expect(fp).toContain(`MD5:${res.json().keypair.fingerprint}`);
  });

  it('refuses a bad public key, a bad name and a duplicate', async () => {
    const bad = await t.call({
      method: 'POST',
      url,
      as: 'demo',
      payload: { keypair: { name: 'x', public_key: 'ssh-rsa AAAA' } },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().badRequest.message).toBe('Keypair data is invalid: failed to generate fingerprint');
    const name = await t.call({ method: 'POST', url, as: 'demo', payload: { keypair: { name: 'a/b' } } });
    expect(name.statusCode).toBe(400);
    const dup = await t.call({
      method: 'POST',
      url,
      as: 'demo',
      payload: { keypair: { name: 'imported', public_key: ED25519 } },
    });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().conflictingRequest.message).toBe("Key pair 'imported' already exists.");
  });

  it('keeps key pairs per user: another user neither sees nor deletes them', async () => {
    const list = await t.call({ method: 'GET', url, as: 'alt_demo' });
    expect(list.json().keypairs).toEqual([]);
    const show = await t.call({ method: 'GET', url: `${url}/k1`, as: 'alt_demo' });
    expect(show.statusCode).toBe(404);
    expect(show.json().itemNotFound.message).toMatch(/^Keypair k1 not found for user /);
    expect((await t.call({ method: 'DELETE', url: `${url}/k1`, as: 'alt_demo' })).statusCode).toBe(404);
    const mine = await t.call({ method: 'GET', url, as: 'demo' });
    expect(mine.json().keypairs.map((k: { keypair: { name: string } }) => k.keypair.name)).toEqual(['imported', 'k1']);
    // a member cannot name another user (2.10)
    const other = await t.call({
      method: 'GET',
      url: `${url}?user_id=someone`,
      as: 'demo',
      headers: { 'openstack-api-version': 'compute 2.10' },
    });
    expect(other.statusCode).toBe(403);
  });

  it('deletes with 202 (2.1) and 204 (2.2)', async () => {
    expect((await t.call({ method: 'DELETE', url: `${url}/k1`, as: 'demo' })).statusCode).toBe(202);
    const res = await t.call({
      method: 'DELETE',
      url: `${url}/imported`,
      as: 'demo',
      headers: { 'openstack-api-version': 'compute 2.2' },
    });
    expect(res.statusCode).toBe(204);
    expect((await t.call({ method: 'GET', url, as: 'demo' })).json().keypairs).toEqual([]);
  });
});

describe('compute: x509 key pairs (2.2)', () => {
  let t: TestCloud;
  beforeAll(async () => {
    t = await testCloud();
  });
  afterAll(() => t.close());

  it('generates a self-signed certificate whose fingerprint is its SHA-1, and imports it back', async () => {
    const headers = { 'openstack-api-version': 'compute 2.2' };
    const res = await t.call({
      method: 'POST',
      url,
      as: 'demo',
      headers,
      payload: { keypair: { name: 'cert', type: 'x509' } },
    });
    expect(res.statusCode).toBe(201);
    const kp = res.json().keypair;
    expect(kp.type).toBe('x509');
    expect(kp.private_key).toMatch(/^-----BEGIN RSA PRIVATE KEY-----/);
    const cert = new X509Certificate(kp.public_key);
    expect(cert.fingerprint).toBe(kp.fingerprint.toUpperCase());
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(cert.checkPrivateKey(createPrivateKey(kp.private_key))).toBe(true);
    expect(cert.subject).toBe(`CN=${kp.user_id}`);
    const imported = await t.call({
      method: 'POST',
      url,
      as: 'demo',
      headers,
      payload: { keypair: { name: 'cert2', type: 'x509', public_key: kp.public_key } },
    });
    expect(imported.json().keypair.fingerprint).toBe(kp.fingerprint);
    const bad = await t.call({
      method: 'POST',
      url,
      as: 'demo',
      headers,
      payload: { keypair: { name: 'cert3', type: 'x509', public_key: 'not a certificate' } },
    });
    expect(bad.statusCode).toBe(400);
  });
});
