import type { FastifyInstance } from 'fastify';
import { imageSchema, imagesSchema, memberSchema, membersSchema } from '../schemas.js';
import { rejectOtherMethods } from './reject.js';

/** /v2/schemas/image(s) and member(s): what the glance CLI builds its options from. */
export async function schemaRoutes(app: FastifyInstance) {
  const docs = { image: imageSchema, images: imagesSchema, member: memberSchema, members: membersSchema };
  for (const [name, doc] of Object.entries(docs)) {
    app.get(`/v2/schemas/${name}`, async () => doc);
    rejectOtherMethods(app, `/v2/schemas/${name}`, ['GET']);
  }
}
