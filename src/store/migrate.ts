import { type Migration, Migrator, sql } from 'kysely';
import { DatabaseUnusable, type Store, tableExists } from './db.js';

/**
 * Applies every service's numbered migrations. Each service names its own
 * (`identity/0001_init`), so services add migrations without touching each
 * other's; they run in name order, and one service's new migration may run
 * after another's that sorts later (allowUnorderedMigrations).
 */
export async function migrate(db: Store, migrations: Record<string, Migration>): Promise<void> {
  const unknown = (await executedMigrations(db)).filter((m) => !(m in migrations));
  if (unknown.length > 0)
    throw new DatabaseUnusable(
      `the database was written by a newer pocketstack (it has migration ${unknown[0]}${unknown.length > 1 ? ` and ${unknown.length - 1} more` : ''} that this version does not know)`,
      'newer',
    );
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    allowUnorderedMigrations: true,
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new Error(`database migration ${failed ?? ''} failed: ${(error as Error).message}`);
  }
}

/** The migrations already applied (none in a new database). */
async function executedMigrations(db: Store): Promise<string[]> {
  if (!(await tableExists(db, 'kysely_migration'))) return [];
  const rows = await sql<{ name: string }>`select name from kysely_migration`.execute(db);
  return rows.rows.map((r) => r.name);
}
