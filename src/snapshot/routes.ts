import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { Cloud } from '../cloud.js';
import { Forbidden } from '../server/errors.js';
import { writeGate } from './freeze.js';
import { snapshotStream } from './save.js';

/**
 * GET /pocketstack/v1/snapshot (admin): the whole cloud as a snapshot stream,
 * taken while it runs: writes wait and the task runner pauses until the last
 * byte is sent (or the client goes away).
 */
export async function snapshotRoutes(app: FastifyInstance, cloud: Cloud) {
  app.get('/v1/snapshot', async (req, reply) => {
    if (!req.auth?.isAdmin) throw new Forbidden('Snapshots are for admins only.');
    const release = await writeGate(cloud).hold();
    await cloud.tasks.stop();
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      cloud.tasks.start();
      release();
      cloud.log.info('snapshot sent; writes and tasks go on');
    };
    try {
      const stream = Readable.from(snapshotStream(cloud.sqlite, cloud.config.dataDir), { objectMode: false });
      stream.once('close', end);
      reply.raw.once('close', end);
      cloud.log.info('snapshot: writes held, tasks paused');
      return reply.type('application/octet-stream').header('cache-control', 'no-store').send(stream);
    } catch (e) {
      end();
      throw e;
    }
  });
}
