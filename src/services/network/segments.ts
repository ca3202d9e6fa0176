import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Cloud } from '../../cloud.js';
import { isoSeconds } from '../../server/time.js';
import { notFound } from './errors.js';
import { listResponse, type Query, selectFields, type View } from './query.js';
import { type NetworkRow, ndb } from './store.js';

// Neutron's segments extension, read-only: every network is one segment (its
// provider attributes), as ML2 records it for a network made without
// `segments`. Segments are admin-only in Neutron's policy: others see none.

/** A stable id for a network's one segment (a name-based UUID of the network id). */
export function segmentId(networkId: string): string {
  const h = createHash('sha1').update(`segment:${networkId}`).digest('hex');
  const variant = ((Number.parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function view(n: NetworkRow): View {
  return {
    id: segmentId(n.id),
    network_id: n.id,
    name: null,
    description: '',
    physical_network: n.physical_network,
    network_type: n.network_type,
    segmentation_id: n.segmentation_id,
    created_at: isoSeconds(n.created_at),
    updated_at: isoSeconds(n.updated_at),
    revision_number: 0,
  };
}

export async function segmentRoutes(app: FastifyInstance, cloud: Cloud) {
  const all = async (isAdmin: boolean) =>
    isAdmin
      ? (await ndb(cloud).selectFrom('neutron_networks').selectAll().orderBy('created_at').execute()).map(view)
      : [];

  app.get('/v2.0/segments', async (req) => listResponse(req, 'segments', await all(req.auth.isAdmin)));

  app.get('/v2.0/segments/:id', async (req) => {
    const { id } = req.params as { id: string };
    const found = (await all(req.auth.isAdmin)).find((s) => s.id === id);
    if (!found) throw notFound.segment(id);
    return { segment: selectFields(found, req.query as Query) };
  });
}
