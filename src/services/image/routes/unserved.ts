import type { FastifyInstance } from 'fastify';
import { NotImplemented } from '../../../server/errors.js';

/** Parts of Glance's API pocketstack does not serve (yet): a clear 501, not a puzzling 404. */
export async function unservedRoutes(app: FastifyInstance) {
  const parts: [string, string][] = [
    ['/v2/tasks', 'tasks API'],
    ['/v2/cache', 'image cache API'],
    ['/v2/stores', 'multiple-store API (there is one store, "file")'],
  ];
  for (const [path, what] of parts) {
    const handler = async () => {
      throw new NotImplemented(`pocketstack does not serve Glance's ${what}.`);
    };
    app.all(path, handler);
    app.all(`${path}/*`, handler);
  }
}
