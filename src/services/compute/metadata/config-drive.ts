import type { Cloud } from '../../../cloud.js';
import { buildIso, type IsoFile } from '../iso9660.js';
import type { Instance } from '../servers/model.js';
import { EC2_VERSIONS, ec2MetaData, metaDataJson, networkDataJson, OPENSTACK_VERSIONS, userData } from './content.js';
import { loadSource } from './source.js';

const json = (v: unknown) => Buffer.from(JSON.stringify(v));

/**
 * The config drive of an instance: every version of both trees, as Nova's
 * metadata_for_config_drive lays them out, in an ISO labelled config-2.
 */
export async function buildConfigDrive(cloud: Cloud, instance: Instance): Promise<Buffer> {
  const src = await loadSource(cloud, instance);
  const files: IsoFile[] = [];
  const ud = userData(src);
  for (const version of [...EC2_VERSIONS, 'latest']) {
    const v = version === 'latest' ? EC2_VERSIONS[EC2_VERSIONS.length - 1] : version;
    if (ud) files.push({ path: `ec2/${version}/user-data`, data: ud });
    const md = ec2MetaData(src, v);
    const keys = md['public-keys'] as Record<string, Record<string, unknown>> | undefined;
    if (keys) delete keys['0']._name;
    files.push({ path: `ec2/${version}/meta-data.json`, data: json(md) });
  }
  for (const version of [...OPENSTACK_VERSIONS, 'latest']) {
    const v = version === 'latest' ? OPENSTACK_VERSIONS[OPENSTACK_VERSIONS.length - 1] : version;
    const at = (required: string) => OPENSTACK_VERSIONS.indexOf(v) >= OPENSTACK_VERSIONS.indexOf(required);
    files.push({ path: `openstack/${version}/meta_data.json`, data: json(metaDataJson(src, v)) });
    if (ud) files.push({ path: `openstack/${version}/user_data`, data: ud });
    if (at('2013-10-17')) files.push({ path: `openstack/${version}/vendor_data.json`, data: json({}) });
    if (at('2015-10-15'))
      files.push({ path: `openstack/${version}/network_data.json`, data: json(networkDataJson(src)) });
    if (at('2016-10-06')) files.push({ path: `openstack/${version}/vendor_data2.json`, data: json({}) });
  }
  return buildIso('config-2', files);
}
