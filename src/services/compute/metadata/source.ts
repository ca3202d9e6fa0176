import type { Cloud } from '../../../cloud.js';
import { portsWithSubnets } from '../neutron.js';
import type { Instance } from '../servers/model.js';
import { cdb } from '../store.js';
import type { MetadataSource } from './content.js';

/** Everything the metadata of one instance is made from: the instance, its key pair, its ports and subnets. */
export async function loadSource(cloud: Cloud, instance: Instance): Promise<MetadataSource> {
  const kp = instance.key_name
    ? await cdb(cloud)
        .selectFrom('nova_keypairs')
        .select(['name', 'type', 'public_key'])
        .where('user_id', '=', instance.user_id)
        .where('name', '=', instance.key_name)
        .executeTakeFirst()
    : undefined;
  // the key pair may have been deleted since boot: the instance keeps the key it booted with
  const keypair =
    instance.key_name && instance.key_data
      ? { name: instance.key_name, type: kp?.type ?? 'ssh', public_key: instance.key_data }
      : undefined;
  return { instance, keypair, ports: await portsWithSubnets(cloud, instance) };
}
