import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Cloud } from '../../../cloud.js';
import { Forbidden, NotFound } from '../../../server/errors.js';
import { write } from '../cascade.js';
import { enforce } from '../policy.js';
import { type AssignmentRow, getDomain, getProject, getUser, idb, NULL_DOMAIN } from '../store.js';
import { listBody, noContent, params } from './common.js';
import { getGroup } from './groups.js';
import { requireRole, roleView } from './roles.js';

// Grants: PUT/HEAD/GET/DELETE of a role for a user or group on a project, a
// domain or the system, and their OS-INHERIT forms (inherited by the projects
// below). One table of routes, one implementation.

type Actor = 'users' | 'groups';
type TargetKind = 'projects' | 'domains' | 'system';

interface GrantPath {
  prefix: string;
  target: TargetKind;
  actor: Actor;
  inherited: boolean;
}

const paths: GrantPath[] = [];
for (const actor of ['users', 'groups'] as const) {
  for (const target of ['projects', 'domains'] as const) {
    const idParam = target === 'projects' ? ':project_id' : ':domain_id';
    const actorParam = actor === 'users' ? ':user_id' : ':group_id';
    paths.push({ prefix: `/v3/${target}/${idParam}/${actor}/${actorParam}/roles`, target, actor, inherited: false });
    paths.push({
      prefix: `/v3/OS-INHERIT/${target}/${idParam}/${actor}/${actorParam}/roles`,
      target,
      actor,
      inherited: true,
    });
  }
  paths.push({
    prefix: `/v3/system/${actor}/${actor === 'users' ? ':user_id' : ':group_id'}/roles`,
    target: 'system',
    actor,
    inherited: false,
  });
}

function typeOf(p: GrantPath): AssignmentRow['type'] {
  const actor = p.actor === 'users' ? 'User' : 'Group';
  const target = p.target === 'projects' ? 'Project' : p.target === 'domains' ? 'Domain' : 'System';
  return `${actor}${target}` as AssignmentRow['type'];
}

/** Looks up everything the path names (404 for what is missing), then enforces with it as the target. */
async function resolve(req: FastifyRequest, cloud: Cloud, p: GrantPath, verb: 'list' | 'check' | 'create' | 'revoke') {
  const { project_id, domain_id, user_id, group_id, role_id } = params(req);
  const target: Record<string, unknown> = {};
  let targetId = 'system';
  if (p.target === 'projects') {
    const project = await getProject(cloud, project_id);
    if (!project) throw new NotFound(`Could not find project: ${project_id}.`);
    target.project = project;
    targetId = project.id;
  } else if (p.target === 'domains') {
    const domain = await getDomain(cloud, domain_id);
    if (!domain) throw new NotFound(`Could not find domain: ${domain_id}.`);
    target.domain = domain;
    targetId = domain.id;
  }
  let actorId: string;
  if (p.actor === 'users') {
    const user = await getUser(cloud, user_id);
    if (!user) throw new NotFound(`Could not find user: ${user_id}.`);
    target.user = { id: user.id, domain_id: user.domain_id };
    actorId = user.id;
  } else {
    const group = await getGroup(cloud, group_id);
    if (!group) throw new NotFound(`Could not find group: ${group_id}.`);
    target.group = group;
    actorId = group.id;
  }
  const role = role_id ? await requireRole(cloud, role_id) : undefined;
  if (role) target.role = { ...role, domain_id: role.domain_id === NULL_DOMAIN ? null : role.domain_id };
  if (p.target === 'system') {
    const who = p.actor === 'users' ? 'user' : 'group';
    const action = { list: 'list', check: 'check', create: 'create', revoke: 'revoke' }[verb];
    enforce(req, `identity:${action}_system_grant${verb === 'list' ? 's' : ''}_for_${who}`, { target });
  } else {
    enforce(req, `identity:${verb === 'list' ? 'list_grants' : `${verb}_grant`}`, { target });
  }
  return { actorId, targetId, role, project: target.project as { domain_id: string } | undefined };
}

function notFound(roleId: string, actorId: string, targetId: string) {
  return new NotFound(
    `Could not find role assignment with role: ${roleId}, user or group: ${actorId}, project, domain, or system: ${targetId}.`,
  );
}

export async function grantRoutes(app: FastifyInstance, cloud: Cloud) {
  for (const p of paths) {
    const type = typeOf(p);
    const inherited = p.inherited ? 1 : 0;
    const suffix = p.inherited ? '/inherited_to_projects' : '';
    const find = (actorId: string, targetId: string, roleId: string) =>
      idb(cloud)
        .selectFrom('assignments')
        .select('role_id')
        .where('type', '=', type)
        .where('actor_id', '=', actorId)
        .where('target_id', '=', targetId)
        .where('role_id', '=', roleId)
        .where('inherited', '=', inherited)
        .executeTakeFirst();

    app.get(`${p.prefix}${suffix}`, async (req) => {
      const { actorId, targetId } = await resolve(req, cloud, p, 'list');
      const roles = await idb(cloud)
        .selectFrom('roles')
        .innerJoin('assignments', 'assignments.role_id', 'roles.id')
        .selectAll('roles')
        .where('assignments.type', '=', type)
        .where('assignments.actor_id', '=', actorId)
        .where('assignments.target_id', '=', targetId)
        .where('assignments.inherited', '=', inherited)
        .orderBy('roles.name')
        .execute();
      return listBody(
        req,
        'roles',
        roles.map((r) => roleView(req, r)),
      );
    });

    app.get(`${p.prefix}/:role_id${suffix}`, async (req, reply) => {
      const { actorId, targetId, role } = await resolve(req, cloud, p, 'check');
      if (!(await find(actorId, targetId, role!.id))) throw notFound(role!.id, actorId, targetId);
      return noContent(reply);
    });

    app.put(`${p.prefix}/:role_id${suffix}`, async (req, reply) => {
      const { actorId, targetId, role, project } = await resolve(req, cloud, p, 'create');
      if (project && role!.domain_id !== NULL_DOMAIN && project.domain_id !== role!.domain_id)
        throw new Forbidden(`Project ${targetId} must be in the same domain as the role ${role!.id} being assigned.`);
      await write(cloud, (trx) =>
        trx
          .insertInto('assignments')
          .values({ type, actor_id: actorId, target_id: targetId, role_id: role!.id, inherited })
          .onConflict((oc) => oc.doNothing())
          .execute(),
      );
      return noContent(reply);
    });

    app.delete(`${p.prefix}/:role_id${suffix}`, async (req, reply) => {
      const { actorId, targetId, role } = await resolve(req, cloud, p, 'revoke');
      const res = await write(cloud, async (trx) => {
        const out = await trx
          .deleteFrom('assignments')
          .where('type', '=', type)
          .where('actor_id', '=', actorId)
          .where('target_id', '=', targetId)
          .where('role_id', '=', role!.id)
          .where('inherited', '=', inherited)
          .executeTakeFirst();
        // Keystone drops a user's application credentials on a project when a role there is taken away.
        if (type === 'UserProject' && Number(out.numDeletedRows) > 0)
          await trx
            .deleteFrom('application_credentials')
            .where('user_id', '=', actorId)
            .where('project_id', '=', targetId)
            .execute();
        return out;
      });
      if (Number(res.numDeletedRows) === 0) throw notFound(role!.id, actorId, targetId);
      return noContent(reply);
    });
  }
}
