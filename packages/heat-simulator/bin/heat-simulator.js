#!/usr/bin/env node
/* global process, URL */
// The package's command. It lives outside dist/ so that `npm ci` can link it on a fresh clone, before
// anything is compiled; the code it runs is the compiled TypeScript in dist/.
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write(
    'heat-simulator: dist/cli.js is missing. Fix: build it first (`npm run build:sim` in the router, ' +
      'or `npm run build` in packages/heat-simulator)\n',
  );
  process.exit(2);
}
await import(cli.href);
