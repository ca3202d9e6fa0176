import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(__dirname, '..');

/** README.md and every README under src/ and examples/. */
function readmes(): string[] {
  const found = [join(root, 'README.md')];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.name === 'node_modules') continue;
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name === 'README.md') found.push(p);
    }
  };
  for (const d of ['src', 'examples']) walk(join(root, d));
  return found;
}

describe('READMEs', () => {
  it('link only to files of the repository, and those exist', () => {
    const broken: string[] = [];
    for (const file of readmes()) {
      const text = readFileSync(file, 'utf8');
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^(https?:|mailto:|#)/.test(target)) continue;
        const path = join(dirname(file), decodeURIComponent(target.split('#')[0]));
        if (relative(root, path).startsWith('..') || !existsSync(path))
          broken.push(`${relative(root, file)}: ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('the top README names no path outside the repository and no npx outside the clone', () => {
    const text = readFileSync(join(root, 'README.md'), 'utf8');
    expect(text).not.toMatch(/\.\.\/shared/);
    // the package is not on the registry: npx works only inside the clone, and says so where named
    for (const line of text.split('\n').filter((l) => /npx pocketstack/.test(l))) expect(line).toMatch(/only there/);
  });
});
