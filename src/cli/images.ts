import { statSync } from 'node:fs';
import { copyOut } from '../images/cache.js';
import { buildTiny } from '../images/tiny/build.js';

export interface BuildOptions {
  output?: string;
  register?: string | boolean;
  dataDir: string;
}

function mib(path: string): string {
  return `${(statSync(path).size / 2 ** 20).toFixed(1)} MiB`;
}

function progressLine(): (message: string) => void {
  const t0 = performance.now();
  return (message) => console.error(`[${((performance.now() - t0) / 1000).toFixed(1).padStart(5)} s] ${message}`);
}

export async function buildTinyCommand(opts: BuildOptions): Promise<void> {
  const result = await buildTiny(progressLine());
  console.error(
    `tiny image ${result.cached ? 'from the cache' : 'built'} in ${(result.ms / 1000).toFixed(1)} s: ${result.path} (${mib(result.path)})`,
  );
  if (opts.output) {
    copyOut(result.path, opts.output);
    console.error(`written to ${opts.output}`);
  }
  console.log(opts.output ?? result.path);
}
