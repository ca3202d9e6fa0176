import type { FastifyInstance } from 'fastify';
import type { Cloud } from '../../../cloud.js';
import { addMember, listMembers, removeMember, showMember, updateMember } from '../members.js';
import { memberView } from '../views.js';
import { rejectOtherMethods } from './reject.js';

type Params = { id: string; member: string };

/** /v2/images/{id}/members: sharing an image with other projects. */
export async function memberRoutes(app: FastifyInstance, cloud: Cloud) {
  app.get('/v2/images/:id/members', async (req) => {
    const rows = await listMembers(cloud, req.auth, (req.params as Params).id);
    return { members: rows.map(memberView), schema: '/v2/schemas/members' };
  });
  app.post('/v2/images/:id/members', async (req) =>
    memberView(await addMember(cloud, req.auth, (req.params as Params).id, req.body)),
  );
  rejectOtherMethods(app, '/v2/images/:id/members', ['GET', 'POST']);
  app.get('/v2/images/:id/members/:member', async (req) => {
    const { id, member } = req.params as Params;
    return memberView(await showMember(cloud, req.auth, id, member));
  });
  app.put('/v2/images/:id/members/:member', async (req) => {
    const { id, member } = req.params as Params;
    return memberView(await updateMember(cloud, req.auth, id, member, req.body));
  });
  app.delete('/v2/images/:id/members/:member', async (req, reply) => {
    const { id, member } = req.params as Params;
    await removeMember(cloud, req.auth, id, member);
    return reply.code(204).send();
  });
  rejectOtherMethods(app, '/v2/images/:id/members/:member', ['GET', 'PUT', 'DELETE']);
}
