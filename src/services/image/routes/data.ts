import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Cloud } from '../../../cloud.js';
import { ApiError, BadRequest, Forbidden, UnsupportedMediaType } from '../../../server/errors.js';
import { imagePath, readData } from '../data.js';
import { listImageTasks } from '../image-tasks.js';
import { getVisibleImage } from '../images.js';
import { importImage, stageImageData } from '../import.js';
import { uploadImageData } from '../upload.js';
import { hasData } from '../views.js';
import { rejectOtherMethods } from './reject.js';

type Params = { id: string };

/** Data is only taken as application/octet-stream (Glance's upload and stage deserializers). */
function requireOctetStream(req: FastifyRequest): void {
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/octet-stream') throw new UnsupportedMediaType(`Invalid content type ${type || 'None'}`);
}

function contentLength(req: FastifyRequest): number | undefined {
  const n = Number(req.headers['content-length']);
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

class RangeNotSatisfiable extends ApiError {
  constructor(message: string) {
    super(416, message, 'RequestRangeNotSatisfiable');
  }
}

/** A single-range Range header against a size, as Glance (webob) reads it; inclusive end. */
export function parseRange(header: string, size: number): { start: number; end: number } {
  if (header.includes(','))
    throw new BadRequest(
      'Requests with multiple ranges are not supported in Glance. You may make multiple single-range requests instead.',
    );
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '') || (m[1] !== '' && m[2] !== '' && Number(m[2]) < Number(m[1])))
    throw new RangeNotSatisfiable('Invalid Range header.');
  if (m[1] === '') {
    const suffix = Number(m[2]);
    return { start: suffix < size ? size - suffix : 0, end: size - 1 };
  }
  const start = Number(m[1]);
  if (start >= size)
    throw new RangeNotSatisfiable(
      `Invalid start position in Range header. Start position MUST be in the inclusive range [0, ${size - 1}].`,
    );
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  return { start, end };
}

async function download(cloud: Cloud, req: FastifyRequest, reply: FastifyReply) {
  const image = await getVisibleImage(cloud, req.auth, (req.params as Params).id);
  if (image.status === 'deactivated' && !req.auth.isAdmin)
    throw new Forbidden('The requested image has been deactivated. Image data download is forbidden.');
  if (!hasData(image) || image.size === null) return reply.code(204).send();
  const size = image.size;
  const rangeHeader = req.headers.range;
  reply.header('Content-Type', 'application/octet-stream');
  if (image.checksum) reply.header('Content-MD5', image.checksum);
  if (typeof rangeHeader === 'string' && size > 0) {
    const range = parseRange(rangeHeader, size);
    reply
      .code(206)
      .header('Content-Range', `bytes ${range.start}-${range.end}/${size}`)
      .header('Content-Length', String(range.end - range.start + 1));
    return reply.send(readData(imagePath(cloud, image.id), range));
  }
  reply.header('Content-Length', String(size));
  return reply.send(size === 0 ? '' : readData(imagePath(cloud, image.id)));
}

/** Image data: upload, download (with Range), stage, import. */
export async function dataRoutes(app: FastifyInstance, cloud: Cloud) {
  // Data bodies are streamed by the handlers, never parsed or buffered here.
  app.addContentTypeParser('application/octet-stream', (_req, _payload, done) => done(null, undefined));
  app.addContentTypeParser('*', (_req, _payload, done) => done(null, undefined));

  app.put('/v2/images/:id/file', async (req, reply) => {
    requireOctetStream(req);
    await uploadImageData(cloud, req.auth, (req.params as Params).id, req.raw, contentLength(req));
    return reply.code(204).send();
  });
  app.get('/v2/images/:id/file', (req, reply) => download(cloud, req, reply));
  rejectOtherMethods(app, '/v2/images/:id/file', ['GET', 'PUT']);

  app.put('/v2/images/:id/stage', async (req, reply) => {
    requireOctetStream(req);
    await stageImageData(cloud, req.auth, (req.params as Params).id, req.raw, contentLength(req));
    return reply.code(204).send();
  });
  rejectOtherMethods(app, '/v2/images/:id/stage', ['PUT']);

  app.post('/v2/images/:id/import', async (req, reply) => {
    await importImage(cloud, req.auth, (req.params as Params).id, req.body, req.requestId);
    return reply.code(202).send();
  });
  rejectOtherMethods(app, '/v2/images/:id/import', ['POST']);

  app.get('/v2/images/:id/tasks', async (req) => listImageTasks(cloud, req.auth, (req.params as Params).id));
}
