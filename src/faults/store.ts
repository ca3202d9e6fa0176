import type { Kysely, Migration } from 'kysely';
import type { Store } from '../store/db.js';
import type { FaultRule } from './faults.js';

// Fault rules are kept in the store, so that a restart (or a snapshot
// loaded elsewhere) keeps the failures a client test set up. The registry
// in memory stays the authority for matching (a request takes a rule
// synchronously: two concurrent requests never both take a rule's last
// count); every change is written through, in order.

export const migrations: Record<string, Migration> = {
  'faults/0001_rules': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('pocketstack_faults')
        .addColumn('id', 'text', (c) => c.primaryKey())
        // rules match in the order they were added
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('rule', 'text', (c) => c.notNull())
        .execute();
    },
  },
};

export async function loadRules(db: Store): Promise<FaultRule[]> {
  const rows = await db.selectFrom('pocketstack_faults').select('rule').orderBy('seq').execute();
  return rows.map((r: { rule: string }) => JSON.parse(r.rule) as FaultRule);
}

export async function putRule(db: Store, rule: FaultRule, seq: number): Promise<void> {
  await db
    .insertInto('pocketstack_faults')
    .values({ id: rule.id, seq, rule: JSON.stringify(rule) })
    .onConflict((oc) => oc.column('id').doUpdateSet({ rule: JSON.stringify(rule) }))
    .execute();
}

export async function deleteRules(db: Store, ids?: string[]): Promise<void> {
  let q = db.deleteFrom('pocketstack_faults');
  if (ids) {
    if (ids.length === 0) return;
    q = q.where('id', 'in', ids);
  }
  await q.execute();
}
