import type { FastifyInstance, FastifyRequest } from 'fastify';
import { NotImplemented } from '../../../server/errors.js';
import { callerOf } from '../policy.js';

// Cinder APIs pocketstack does not serve: each answers 501 saying so (and
// README.md lists them), rather than a 404 that would read as "no such thing".

const UNSERVED: Array<[string, string]> = [
  ['consistencygroups', 'consistency groups'],
  ['cgsnapshots', 'consistency group snapshots'],
  ['clusters', 'clusters (3.7)'],
  ['manageable_volumes', 'manageable volumes (3.8)'],
  ['manageable_snapshots', 'manageable snapshots (3.8)'],
  ['os-volume-manage', 'managing existing volumes'],
  ['os-snapshot-manage', 'managing existing snapshots'],
  ['workers', 'workers cleanup (3.24)'],
  ['default-types', 'per-project default volume types (3.62)'],
];

export async function unservedRoutes(app: FastifyInstance) {
  for (const [path, what] of UNSERVED) {
    const handler = async (req: FastifyRequest) => {
      callerOf(req);
      throw new NotImplemented(`pocketstack does not serve ${what} yet.`);
    };
    app.all(`/${path}`, handler);
    app.all(`/${path}/*`, handler);
  }
}
