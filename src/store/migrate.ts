import { type Migration, Migrator } from 'kysely';
import type { Store } from './db.js';

/**
 * Applies every service's numbered migrations. Each service names its own
 * (`identity/0001_init`), so services add migrations without touching each
 * other's; they run in name order, and one service's new migration may run
 * after another's that sorts later (allowUnorderedMigrations).
 */
export async function migrate(db: Store, migrations: Record<string, Migration>): Promise<void> {
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
