import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Cloud } from '../../../cloud.js';
import { BadRequest, NotFound } from '../../../server/errors.js';
import { hexId, randomToken } from '../../../server/ids.js';
import { write } from '../cascade.js';
import { hashPassword } from '../passwords.js';
import { enforce } from '../policy.js';
import { type Schema, validate } from '../validate.js';
import { created, listBody, member, noContent, params, query } from './common.js';

// The small Keystone resources that are plain records with list/get/create/
// update/delete and nothing else (policies, OAuth1 consumers, endpoint
// groups): one implementation, each described by a table of what differs.

type Row = Record<string, unknown> & { id: string };

export interface SimpleResource {
  /** "/v3/policies" */
  path: string;
  /** "policy_id" */
  idParam: string;
  /** "policy" / "policies" */
  member: string;
  collection: string;
  table: string;
  /** Keystone's action names: identity:get_policy... */
  actions: { get: string; list: string; create: string; update: string; delete: string };
  createSchema: Schema;
  updateSchema: Schema;
  /** "Could not find policy: X." */
  notFound: (id: string) => string;
  /** The row to store from a validated body; `existing` when updating. */
  toRow: (body: Record<string, unknown>, existing?: Row) => Promise<Omit<Row, 'id'>> | Omit<Row, 'id'>;
  view: (req: FastifyRequest, row: Row) => Record<string, unknown>;
  /** Query parameters that filter the list on the column of the same name. */
  filters?: string[];
  /** The resource has a generated secret: stored hashed in this column, shown once in the create response. */
  secretHashColumn?: string;
  /** Removes what depends on a row before it is deleted. */
  onDelete?: (trx: any, row: Row) => Promise<void>;
}

/** These resources name their table at run time; the store is typed per service, so this one goes untyped. */
const untyped = (trx: unknown) => trx as Kysely<any>;

export function simpleCrud(app: FastifyInstance, cloud: Cloud, r: SimpleResource) {
  const db = cloud.db;
  const find = async (req: FastifyRequest, action: string): Promise<Row> => {
    enforce(req, action);
    const id = params(req)[r.idParam];
    const row = (await db.selectFrom(r.table).selectAll().where('id', '=', id).executeTakeFirst()) as Row | undefined;
    if (!row) throw new NotFound(r.notFound(id));
    return row;
  };

  app.get(r.path, async (req) => {
    enforce(req, r.actions.list);
    const q = query(req);
    let sql = db.selectFrom(r.table).selectAll();
    for (const f of r.filters ?? []) if (q[f] !== undefined) sql = sql.where(f, '=', q[f]);
    return listBody(
      req,
      r.collection,
      ((await sql.execute()) as Row[]).map((row) => r.view(req, row)),
    );
  });

  app.get(`${r.path}/:${r.idParam}`, async (req) => ({ [r.member]: r.view(req, await find(req, r.actions.get)) }));

  app.post(r.path, async (req, reply: FastifyReply) => {
    enforce(req, r.actions.create);
    const body = validate(member(req, r.member), r.createSchema);
    const row = { id: hexId(), ...(await r.toRow(body)) } as Row;
    const secret = r.secretHashColumn ? randomToken(24) : undefined;
    if (secret) row[r.secretHashColumn!] = await hashPassword(secret, cloud.config.passwordHashCost);
    await write(cloud, (trx) => untyped(trx).insertInto(r.table).values(row).execute(), { catalog: true });
    return created(reply, { [r.member]: { ...r.view(req, row), ...(secret ? { secret } : {}) } });
  });

  app.patch(`${r.path}/:${r.idParam}`, async (req) => {
    const existing = await find(req, r.actions.update);
    const body = validate(member(req, r.member), r.updateSchema);
    if (body.id !== undefined && body.id !== existing.id) throw new BadRequest('Cannot change ID');
    const row = { ...existing, ...(await r.toRow(body, existing)) } as Row;
    await write(cloud, (trx) => untyped(trx).updateTable(r.table).set(row).where('id', '=', existing.id).execute(), {
      catalog: true,
    });
    return { [r.member]: r.view(req, row) };
  });

  app.delete(`${r.path}/:${r.idParam}`, async (req, reply) => {
    const existing = await find(req, r.actions.delete);
    await write(
      cloud,
      async (trx) => {
        await r.onDelete?.(trx, existing);
        await untyped(trx).deleteFrom(r.table).where('id', '=', existing.id).execute();
      },
      { catalog: true },
    );
    return noContent(reply);
  });
}
