import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { Cloud } from '../cloud.js';
import { Forbidden } from '../server/errors.js';
import { writeGate } from './freeze.js';
import { capturePostgres } from './postgres.js';
import { type Capture, captureStream, captureSync } from './save.js';

/**
 * Freezes a running cloud (see save.ts): requests that change state wait at
 * the door while the ones in flight finish, then, on the store's own
 * connection (so no transaction is open), the store is copied and the files
 * frozen, and the door opens again. Writes wait for that instant only, not
 * for the stream; the task runner goes on (its tasks start over after a
 * load, as after a crash).
 */
export async function captureCloud(cloud: Cloud): Promise<Capture> {
  if (!cloud.sqlite) return capturePostgres(cloud.config.database, cloud.config.dataDir, () => writeGate(cloud).hold());
  const release = await writeGate(cloud).hold();
  try {
    const sqlite = cloud.sqlite;
    return await cloud.db.connection().execute(async () => captureSync(sqlite, cloud.config.dataDir));
  } finally {
    release();
  }
}

/** GET /pocketstack/v1/snapshot (admin): the whole cloud as a snapshot stream, taken while it runs. */
export async function snapshotRoutes(app: FastifyInstance, cloud: Cloud) {
  app.get('/v1/snapshot', async (req, reply) => {
    if (!req.auth?.isAdmin) throw new Forbidden('Snapshots are for admins only.');
    const t0 = performance.now();
    const cap = await captureCloud(cloud);
    if (cap.live.length) cloud.log.warn({ files: cap.live }, 'snapshot: files read live (neither linked nor copied)');
    // held_ms: how long writes waited at the door (the in-flight ones finishing, then the capture)
    cloud.log.info(
      { files: cap.files.length, held_ms: Math.round(performance.now() - t0) },
      'snapshot taken; streaming it',
    );
    let dropped = false;
    const drop = () => {
      if (dropped) return;
      dropped = true;
      cap.drop();
    };
    try {
      const stream = Readable.from(captureStream(cap, cloud.config.dataDir), { objectMode: false });
      stream.once('close', drop);
      reply.raw.once('close', drop);
      return reply.type('application/octet-stream').header('cache-control', 'no-store').send(stream);
    } catch (e) {
      drop();
      throw e;
    }
  });
}
