import { describe, expect, it } from 'vitest';
import { volumeSuite } from './helpers.js';

describe('volume: QoS, transfers, hosts, pools, capabilities, services', () => {
  const my = volumeSuite();

  it('manages QoS specs and their type associations (admin only)', async () => {
    expect((await my.demo.call('GET', '/qos-specs')).statusCode).toBe(403);
    const res = await my.admin.call('POST', '/qos-specs', {
      qos_specs: { name: 'gold', consumer: 'back-end', read_iops_sec: '100' },
    });
    expect(res.statusCode).toBe(200);
    const q = res.json().qos_specs;
    expect(q).toMatchObject({ name: 'gold', consumer: 'back-end', specs: { read_iops_sec: '100' } });
    expect((await my.admin.call('POST', '/qos-specs', { qos_specs: { name: 'gold' } })).statusCode).toBe(409);
    expect(
      (await my.admin.call('POST', '/qos-specs', { qos_specs: { name: 'x', consumer: 'nobody' } })).statusCode,
    ).toBe(400);
    expect((await my.admin.call('PUT', `/qos-specs/${q.id}`, { qos_specs: { write_iops_sec: '50' } })).json()).toEqual({
      qos_specs: { write_iops_sec: '50' },
    });
    expect((await my.admin.call('PUT', `/qos-specs/${q.id}/delete_keys`, { keys: ['read_iops_sec'] })).statusCode).toBe(
      202,
    );
    expect((await my.admin.call('GET', `/qos-specs/${q.id}`)).json().qos_specs.specs).toEqual({ write_iops_sec: '50' });
    const type = (await my.admin.call('GET', '/types/default')).json().volume_type;
    expect((await my.admin.call('GET', `/qos-specs/${q.id}/associate?vol_type_id=${type.id}`)).statusCode).toBe(202);
    expect((await my.admin.call('GET', `/qos-specs/${q.id}/associations`)).json().qos_associations).toEqual([
      { association_type: 'volume_type', name: type.name, id: type.id },
    ]);
    expect((await my.admin.call('GET', `/types/${type.id}`)).json().volume_type.qos_specs_id).toBe(q.id);
    expect((await my.admin.call('DELETE', `/qos-specs/${q.id}`)).json().badRequest.message).toBe(
      'Qos specs still in use.',
    );
    expect((await my.admin.call('GET', `/qos-specs/${q.id}/disassociate_all`)).statusCode).toBe(202);
    expect((await my.admin.call('DELETE', `/qos-specs/${q.id}`)).statusCode).toBe(202);
    expect((await my.admin.call('GET', `/qos-specs/${q.id}`)).json().itemNotFound.message).toBe(
      `No such QoS spec ${q.id}.`,
    );
  });

  it('transfers a volume with its snapshots to another project with the auth key', async () => {
    const v = await my.demo.volume({ name: 'gift' });
    await my.demo.snapshot(v.id);
    const res = await my.demo.call('POST', '/os-volume-transfer', { transfer: { volume_id: v.id, name: 'tr' } });
    expect(res.statusCode).toBe(202);
    const tr = res.json().transfer;
    expect(tr.auth_key).toMatch(/^[A-Za-z0-9]{16}$/);
    expect((await my.demo.show('volumes', v.id)).status).toBe('awaiting-transfer');
    expect((await my.demo.call('GET', '/os-volume-transfer')).json().transfers.map((x: any) => x.id)).toEqual([tr.id]);
    expect((await my.alt.call('GET', `/os-volume-transfer/${tr.id}`)).statusCode).toBe(404);
    const wrong = await my.alt.call('POST', `/os-volume-transfer/${tr.id}/accept`, { accept: { auth_key: 'nope' } });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().badRequest.message).toBe(
      `Invalid auth key: Attempt to transfer ${tr.id} with invalid auth key.`,
    );
    const ok = await my.alt.call('POST', `/os-volume-transfer/${tr.id}/accept`, { accept: { auth_key: tr.auth_key } });
    expect(ok.statusCode).toBe(202);
    expect((await my.alt.show('volumes', v.id)).status).toBe('available');
    expect((await my.demo.call('GET', `/volumes/${v.id}`)).statusCode).toBe(404);
    expect((await my.alt.call('GET', `/snapshots?volume_id=${v.id}`)).json().snapshots).toHaveLength(1);
    // a transfer deleted before acceptance gives the volume back
    const v2 = await my.demo.volume();
    const tr2 = (await my.demo.call('POST', '/os-volume-transfer', { transfer: { volume_id: v2.id } })).json().transfer;
    expect((await my.demo.call('DELETE', `/os-volume-transfer/${tr2.id}`)).statusCode).toBe(202);
    expect((await my.demo.show('volumes', v2.id)).status).toBe('available');
    expect((await my.demo.call('POST', '/os-volume-transfer', { transfer: {} })).statusCode).toBe(400);
  });

  it('reports hosts, pools and capabilities consistently (admin only)', async () => {
    expect((await my.demo.call('GET', '/os-hosts')).statusCode).toBe(403);
    const hosts = (await my.admin.call('GET', '/os-hosts')).json().hosts;
    expect(hosts.length).toBeGreaterThanOrEqual(2);
    const vol = hosts.find((h: any) => h.service === 'cinder-volume');
    const host = (await my.admin.call('GET', `/os-hosts/${vol.host_name}`)).json().host;
    expect(host[0].resource.project).toBe('(total)');
    expect((await my.admin.call('GET', '/os-hosts/nowhere')).statusCode).toBe(404);
    const pools = (await my.admin.call('GET', '/scheduler-stats/get_pools?detail=True')).json().pools;
    expect(pools[0].capabilities.total_capacity_gb).toBeGreaterThan(0);
    const caps = (await my.admin.call('GET', `/capabilities/${pools[0].name}`)).json();
    expect(caps.volume_backend_name).toBe(pools[0].capabilities.volume_backend_name);
    expect(caps.namespace).toMatch(/^OS::Storage::Capabilities::/);
  });

  it('lists services and disables one', async () => {
    const list = (await my.admin.call('GET', '/os-services?binary=cinder-volume')).json().services;
    expect(list).toHaveLength(1);
    const res = await my.admin.call('PUT', '/os-services/disable-log-reason', {
      host: list[0].host,
      binary: 'cinder-volume',
      disabled_reason: 'maintenance',
    });
    expect(res.json()).toMatchObject({ status: 'disabled', disabled: true, disabled_reason: 'maintenance' });
    expect((await my.admin.call('GET', '/os-services?binary=cinder-volume')).json().services[0].status).toBe(
      'disabled',
    );
    expect(
      (await my.admin.call('PUT', '/os-services/enable', { host: list[0].host, binary: 'cinder-volume' })).json()
        .status,
    ).toBe('enabled');
    expect(
      (await my.admin.call('PUT', '/os-services/enable', { host: 'nohost', binary: 'cinder-volume' })).statusCode,
    ).toBe(404);
    expect((await my.demo.call('GET', '/os-services')).statusCode).toBe(403);
  });

  it('answers 501 for the Cinder APIs it does not serve, and lists resource filters (3.33)', async () => {
    const res = await my.demo.call('GET', '/consistencygroups');
    expect(res.statusCode).toBe(501);
    expect(res.json().notImplemented.message).toMatch(/does not serve consistency groups/);
    const filters = await my.demo.call('GET', '/resource_filters?resource=backup', undefined, {
      'openstack-api-version': 'volume 3.33',
    });
    expect(filters.json()).toEqual({
      resource_filters: [{ resource: 'backup', filters: ['name', 'status', 'volume_id'] }],
    });
  });

  it('records encryption specs of a type and refuses volumes of an encrypted type (no key manager)', async () => {
    const type = (await my.admin.call('POST', '/types', { volume_type: { name: 'luks' } })).json().volume_type;
    const url = `/types/${type.id}/encryption`;
    expect((await my.admin.call('GET', url)).json()).toEqual({});
    const spec = { provider: 'LuksEncryptor', key_size: 256, cipher: 'aes-xts-plain64', control_location: 'front-end' };
    expect((await my.demo.call('POST', url, { encryption: spec })).statusCode).toBe(403);
    const res = await my.admin.call('POST', url, { encryption: spec });
    expect(res.statusCode).toBe(200);
    const enc = res.json().encryption;
    expect(enc).toMatchObject({ ...spec, volume_type_id: type.id });
    expect((await my.admin.call('POST', url, { encryption: spec })).statusCode).toBe(400);
    expect((await my.admin.call('POST', url, { encryption: { cipher: 'x' } })).statusCode).toBe(400);
    expect(
      (await my.admin.call('PUT', `${url}/${enc.encryption_id}`, { encryption: { key_size: 128 } })).statusCode,
    ).toBe(200);
    expect((await my.admin.call('GET', `${url}/key_size`)).json()).toEqual({ key_size: 128 });
    const vol = await my.demo.call('POST', '/volumes', { volume: { size: 1, volume_type: 'luks' } });
    expect(vol.statusCode).toBe(400);
    expect(vol.json().badRequest.message).toMatch(/no key manager/);
    expect((await my.admin.call('DELETE', `${url}/${enc.encryption_id}`)).statusCode).toBe(202);
    expect((await my.admin.call('GET', url)).json()).toEqual({});
    expect((await my.admin.call('DELETE', `${url}/${enc.encryption_id}`)).statusCode).toBe(404);
    expect((await my.admin.call('GET', '/types/9b8a7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d/encryption')).statusCode).toBe(404);
  });
});
