import type { Cloud } from '../../../../cloud.js';
import { Conflict } from '../../../../server/errors.js';
import type { NovaReply, NovaRequest } from '../../api.js';
import { askerOf, recordAction } from '../../servers/journal.js';
import { compareAndSet, findInstance, type Instance, updateInstance } from '../../servers/model.js';
import type { OperationArgs } from '../../servers/operations.js';
import { type ACTIONS, checkAction } from '../../states.js';
import { cdb } from '../../store.js';

// How a server action (POST /servers/{id}/action) begins: the handler type
// every action family exports, and the two ways an action changes a server —
// a slow operation queued for the compute worker, or a record-only change.

export type Rule = keyof typeof ACTIONS;

/** One server action: the instance is found already; `body` is the whole request body. */
export type ActionHandler = (
  cloud: Cloud,
  req: NovaRequest,
  reply: NovaReply,
  i: Instance,
  body: any,
) => Promise<unknown>;

/**
 * Starts a slow operation: checks the state table, claims the instance
 * with the operation's task_state (a concurrent action loses with Nova's
 * 409), records the instance action and queues the work, in one transaction.
 */
export async function startOperation(
  cloud: Cloud,
  req: NovaRequest,
  i: Instance,
  o: { rule: Rule; apiName: string; action: string; task: string; op: string; args?: OperationArgs },
): Promise<void> {
  checkAction(i, o.rule, req.auth.isAdmin, o.apiName);
  await cdb(cloud)
    .transaction()
    .execute(async (trx) => {
      const claimed = await compareAndSet(
        trx,
        i.uuid,
        { vm_state: i.vm_state, task_state: i.task_state },
        { task_state: o.task },
      );
      if (!claimed) {
        const now = await findInstance(cloud, req.auth, i.uuid, trx);
        checkAction(now, o.rule, req.auth.isAdmin, o.apiName);
        throw new Conflict(`Cannot '${o.apiName}' instance ${i.uuid} while it is in task_state ${now.task_state}`);
      }
      const actionId = await recordAction(trx, i.uuid, o.action, askerOf(req));
      await cloud.tasks.enqueue('compute.action', i.uuid, { op: o.op, actionId, args: o.args ?? {} }, trx);
    });
}

/** A synchronous action that only changes the record (lock, confirmResize...). */
export async function recordOnly(
  cloud: Cloud,
  req: NovaRequest,
  i: Instance,
  action: string,
  change: Parameters<typeof updateInstance>[2],
) {
  await cdb(cloud)
    .transaction()
    .execute(async (trx) => {
      await updateInstance(trx, i.uuid, change);
      await recordAction(trx, i.uuid, action, askerOf(req));
    });
}

/** An action with no body that only starts its operation (os-stop, pause...): 202. */
export const simple =
  (rule: Rule, task: string, op: string, action = op): ActionHandler =>
  async (cloud, req, reply, i) => {
    await startOperation(cloud, req, i, { rule, apiName: action, action, task, op });
    return reply.code(202).send();
  };
