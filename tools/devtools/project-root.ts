import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The repository's root folder (the first folder upward with a package.json), whether this file runs
 * as TypeScript source or compiled under dist-tools/: the tools find config/, scripts/ and the test
 * fixtures from here rather than from where the router's own modules were compiled to.
 */
export function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

/** The shipped config folder (config/routing.yaml, config/service.yaml). */
export function projectConfigDir(): string {
  return join(projectRoot(), 'config');
}
