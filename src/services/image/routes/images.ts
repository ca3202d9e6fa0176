import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Cloud } from '../../../cloud.js';
import { requestBaseUrl } from '../../../server/root.js';
import { addTag, createImageFromBody, deleteImage, getVisibleImage, removeTag, setActivation } from '../images.js';
import { listImages } from '../list.js';
import { parseChanges, patchImage } from '../patch.js';
import { imageView, STORE_ID } from '../views.js';
import { IMPORT_METHODS } from './info.js';
import { rejectOtherMethods } from './reject.js';

type Params = { id: string; tag: string };

/** Glance's `first`/`next` links: the request's own query, the marker last. */
function pageLinks(req: FastifyRequest, nextMarker: string | undefined) {
  const params = new URLSearchParams(req.url.split('?')[1] ?? '');
  params.delete('marker');
  const query = params.toString();
  const links: Record<string, string> = { first: query ? `/v2/images?${query}` : '/v2/images' };
  if (nextMarker) {
    params.append('marker', nextMarker);
    links.next = `/v2/images?${params.toString()}`;
  }
  return links;
}

/** /v2/images and one image: create, list, show, PATCH, delete, actions, tags. */
export async function imageRoutes(app: FastifyInstance, cloud: Cloud) {
  app.get('/v2/images', async (req) => {
    const page = await listImages(cloud, req.auth, req.query as Record<string, string>);
    const links = pageLinks(req, page.nextMarker);
    return {
      images: page.images.map(imageView),
      first: links.first,
      schema: '/v2/schemas/images',
      ...(links.next ? { next: links.next } : {}),
    };
  });

  app.post('/v2/images', async (req, reply) => {
    const image = await createImageFromBody(cloud, req.auth, req.body);
    reply
      .code(201)
      .header('Location', `${requestBaseUrl(req)}/image/v2/images/${image.id}`)
      .header('OpenStack-image-import-methods', IMPORT_METHODS.join(','))
      .header('OpenStack-image-store-ids', STORE_ID);
    return imageView(image);
  });
  rejectOtherMethods(app, '/v2/images', ['GET', 'POST']);

  app.get('/v2/images/:id', async (req) =>
    imageView(await getVisibleImage(cloud, req.auth, (req.params as Params).id)),
  );

  app.patch('/v2/images/:id', async (req) => {
    const changes = parseChanges(req.headers['content-type'], req.body);
    return imageView(await patchImage(cloud, req.auth, (req.params as Params).id, changes));
  });

  app.delete('/v2/images/:id', async (req, reply) => {
    await deleteImage(cloud, req.auth, (req.params as Params).id);
    return reply.code(204).send();
  });
  rejectOtherMethods(app, '/v2/images/:id', ['GET', 'PATCH', 'DELETE']);

  for (const action of ['deactivate', 'reactivate'] as const) {
    app.post(`/v2/images/:id/actions/${action}`, async (req, reply) => {
      await setActivation(cloud, req.auth, (req.params as Params).id, action);
      return reply.code(204).send();
    });
    rejectOtherMethods(app, `/v2/images/:id/actions/${action}`, ['POST']);
  }

  app.put('/v2/images/:id/tags/:tag', async (req, reply) => {
    const { id, tag } = req.params as Params;
    await addTag(cloud, req.auth, id, tag);
    return reply.code(204).send();
  });
  app.delete('/v2/images/:id/tags/:tag', async (req, reply) => {
    const { id, tag } = req.params as Params;
    await removeTag(cloud, req.auth, id, tag);
    return reply.code(204).send();
  });
  rejectOtherMethods(app, '/v2/images/:id/tags/:tag', ['PUT', 'DELETE']);
}
