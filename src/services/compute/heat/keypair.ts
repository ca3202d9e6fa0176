import type { ResourcePlugin } from '../../orchestration/engine/plugin.js';
import * as internal from '../internal.js';
import { isGone, novaCall } from './nova.js';

// OS::Nova::KeyPair: an imported or generated key pair; the physical id is
// its name. A generated private key is kept only when save_private_key says so.
export const keypair: ResourcePlugin = {
  type: 'OS::Nova::KeyPair',
  className: 'KeyPair',
  description: 'A resource for creating Nova key pairs.',
  supportStatus: { status: 'SUPPORTED', version: '2014.1' },
  properties: {
    name: {
      type: 'string',
      description: 'The name of the key pair.',
      required: true,
      constraints: [{ kind: 'length', min: 1, max: 255 }],
    },
    save_private_key: {
      type: 'boolean',
      description: 'True if the system should remember a generated private key; False otherwise.',
      default: false,
    },
    public_key: {
      type: 'string',
      description: 'The optional public key. This allows users to supply the public key from a pre-existing key pair.',
    },
    type: {
      type: 'string',
      description: 'Keypair type.',
      constraints: [{ kind: 'allowed_values', values: ['ssh', 'x509'] }],
    },
    user: { type: 'string', description: 'ID or name of user to whom to add key-pair.' },
  },
  attributes: {
    private_key: { description: 'The private key if it has been saved.', type: 'string' },
    public_key: { description: 'The public key.', type: 'string' },
  },
  hiddenProperties: [],
  async create(r) {
    const body: Record<string, unknown> = { name: r.props.name };
    if (r.props.public_key) body.public_key = r.props.public_key;
    if (r.props.type) body.type = r.props.type;
    if (r.props.user) body.user_id = r.props.user;
    const kp = await novaCall(internal.createKeypair(r.cloud, r.caller, body));
    await r.setData({
      public_key: kp.public_key,
      private_key: r.props.save_private_key ? (kp.private_key ?? null) : null,
    });
    await r.setPhysicalId(kp.name);
  },
  async delete(r) {
    if (!r.physicalId) return;
    await novaCall(internal.deleteKeypair(r.cloud, r.caller, r.physicalId)).catch((e) => {
      if (!isGone(e)) throw e;
    });
  },
  async check(r) {
    await novaCall(internal.getKeypair(r.cloud, r.caller, r.physicalId!));
  },
  async attribute(r, name) {
    if (name === 'public_key') return r.data.public_key ?? null;
    if (name === 'private_key') return r.data.private_key ?? '';
    if (name === 'show' && r.physicalId)
      return (await internal.getKeypair(r.cloud, r.caller, r.physicalId).catch(() => null)) ?? null;
    return undefined;
  },
};
