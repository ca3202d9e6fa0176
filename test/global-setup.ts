// On PostgreSQL (POCKETSTACK_TEST_DATABASE), the migrated template database
// every test cloud's database is copied from is made once, before the
// workers start (test/helpers.ts).
export async function setup(): Promise<void> {
  if (!process.env.POCKETSTACK_TEST_DATABASE) return;
  const { migratedTemplate } = await import('./helpers.js');
  await migratedTemplate();
}
