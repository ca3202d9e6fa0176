import { run } from './exec.js';

// nftables tables pocketstack owns. Each table has one owner and is always
// written whole: one `nft -f -` transaction declares it, deletes it and
// declares it again with its rules, so the rules change atomically and an
// old rule never survives.

export type NftFamily = 'ip' | 'ip6' | 'inet' | 'bridge' | 'arp' | 'netdev';

/** `family name` in namespace `ns` ('' for the host) holds exactly `body` (chains and sets), or is gone when body is undefined. */
export async function replaceTable(
  ns: string,
  family: NftFamily,
  name: string,
  body: string | undefined,
): Promise<void> {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not an nft table name: ${name}`);
  const script = [`table ${family} ${name} {}`, `delete table ${family} ${name}`];
  if (body !== undefined) script.push(`table ${family} ${name} {`, body, '}');
  await run('nft', ['-f', '-'], { netns: ns || undefined, input: `${script.join('\n')}\n` });
}
