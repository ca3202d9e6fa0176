import { describe, expect, it } from 'vitest';
import { satisfiesExtraSpecs, specMatches } from '../../../src/services/volume/scheduler.js';
import { volumeSuite } from './helpers.js';

const v33 = { 'openstack-api-version': 'volume 3.3' };

describe('volume: extra specs matched as CapabilitiesFilter does', () => {
  it('reads operators as extra_specs_ops does', () => {
    expect(specMatches('lvmdriver-1', 'lvmdriver-1')).toBe(true);
    expect(specMatches('lvmdriver-1', 'other')).toBe(false);
    expect(specMatches(true, 'True')).toBe(false); // plain values compare as strings only
    expect(specMatches(true, '<is> True')).toBe(true);
    expect(specMatches(false, '<is> yes')).toBe(false);
    expect(specMatches('iSCSI', '<in> SCS')).toBe(true);
    expect(specMatches(['a', 'b'], '<in> b')).toBe(true);
    expect(specMatches(100.5, '>= 100')).toBe(true);
    expect(specMatches(100.5, '= 101')).toBe(false);
    expect(specMatches('2', '== 2.0')).toBe(true);
    expect(specMatches('abc', '>= 1')).toBe(false);
    expect(specMatches('iSCSI', '<or> FC <or> iSCSI')).toBe(true);
    expect(specMatches('NFS', '<or> FC <or> iSCSI')).toBe(false);
    expect(specMatches('b', 's> a')).toBe(true);
    expect(specMatches(3, 's!= 3')).toBe(true);
    expect(specMatches(undefined, '<is> True')).toBe(false);
    expect(specMatches(true, '<is>')).toBe(false);
  });

  it('skips other scopes, strips capabilities:, walks nested keys, matches any of a list', () => {
    const caps = { storage_protocol: 'iSCSI', multiattach: true, nested: { deep: 'x' }, protos: ['FC', 'NVMe'] };
    expect(satisfiesExtraSpecs(caps, { 'RESKEY:availability_zones': 'elsewhere', 'qos:x': '1' })).toBe(true);
    expect(satisfiesExtraSpecs(caps, { 'capabilities:storage_protocol': 'iSCSI' })).toBe(true);
    expect(satisfiesExtraSpecs(caps, { 'capabilities:storage_protocol': 'FC' })).toBe(false);
    expect(satisfiesExtraSpecs(caps, { 'capabilities:nested:deep': 'x' })).toBe(true);
    expect(satisfiesExtraSpecs(caps, { protos: 'NVMe' })).toBe(true);
    expect(satisfiesExtraSpecs(caps, { replication_enabled: '<is> False' })).toBe(false); // not reported
    expect(satisfiesExtraSpecs(caps, {})).toBe(true);
  });
});

describe('volume: scheduling against the one backend', () => {
  const my = volumeSuite();

  const typeWith = async (extra_specs: Record<string, string>) => {
    const res = await my.admin.call('POST', '/types', {
      volume_type: { name: `t-${Object.values(extra_specs).join('-')}`, extra_specs },
    });
    expect(res.statusCode).toBe(200);
    return res.json().volume_type.id as string;
  };

  it('makes volumes of types the backend satisfies', async () => {
    const ok = await typeWith({
      volume_backend_name: 'lvmdriver-1',
      storage_protocol: 'iSCSI',
      vendor_name: 'Open Source',
      multiattach: '<is> True',
      free_capacity_gb: '>= 0',
    });
    const v = await my.demo.volume({ volume_type: ok });
    expect(v.status).toBe('available');
    expect(v['os-vol-host-attr:host']).toBeUndefined(); // admin-only attribute
    expect((await my.admin.show('volumes', v.id))['os-vol-host-attr:host']).toBe('pocketstack@lvmdriver-1#lvmdriver-1');
  });

  it('leaves a volume whose type no backend satisfies in error, with no host, and tells its project why', async () => {
    const bad = await typeWith({ volume_backend_name: 'ceph' });
    const v = await my.demo.volume({ volume_type: bad });
    expect(v.status).toBe('error');
    expect((await my.admin.show('volumes', v.id))['os-vol-host-attr:host']).toBeNull();
    const msgs = await my.demo.call('GET', `/messages?resource_uuid=${v.id}`, undefined, {
      'openstack-api-version': 'volume 3.5',
    });
    expect(msgs.json().messages.map((m: any) => [m.event_id, m.user_message])).toEqual([
      ['VOLUME_VOLUME_001_003', 'schedule allocate volume:Could not find any available weighted backend.'],
    ]);
    expect((await my.alt.call('GET', '/messages', undefined, v33)).json().messages).toEqual([]);
    // a volume that never found a backend deletes like any errored one
    expect((await my.demo.call('DELETE', `/volumes/${v.id}`)).statusCode).toBe(202);

    const notTrue = await typeWith({ thick_provisioning_support: '<is> True' });
    expect((await my.demo.volume({ volume_type: notTrue })).status).toBe('error');
  });
});
