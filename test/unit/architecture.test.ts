import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkModuleMap, importsOf, type ModuleMap } from '../support/module-map.js';

const MAP = JSON.parse(readFileSync('docs/module-map.json', 'utf8')) as ModuleMap;

function sourcesUnder(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
    const path = join(entry.parentPath, entry.name);
    files.set(path, readFileSync(path, 'utf8'));
  }
  return files;
}

/** A small synthetic file set: domain, config, heat and classify keeping to the map. */
function cleanSet(): Map<string, string> {
  return new Map([
    ['src/domain/index.ts', "export { teamKey } from './team-name.js';\n"],
    ['src/domain/team-name.ts', 'export const teamKey = (s: string): string => s.toLowerCase();\n'],
    [
      'src/config/index.ts',
      "import { teamKey } from '../domain/index.js';\nexport const x = teamKey('A');\n",
    ],
    ['src/heat/index.ts', "import { x } from '../config/index.js';\nexport const h = x;\n"],
    ['src/classify/index.ts', "export { classifyTicket } from './classify-ticket.js';\n"],
    [
      'src/classify/classify-ticket.ts',
      "import { x } from '../config/index.js';\nexport const classifyTicket = () => x;\n",
    ],
  ]);
}

describe('the module map (docs/module-map.json)', () => {
  it('holds for every import in src/', () => {
    const files = sourcesUnder('src');
    expect(files.size).toBeGreaterThan(100);
    expect(checkModuleMap(files, MAP)).toEqual([]);
  });

  it('the HEAT simulator package imports nothing of the router', () => {
    const root = 'packages/heat-simulator';
    const outside: string[] = [];
    let imports = 0;
    for (const dir of ['src', 'test']) {
      for (const [path, source] of sourcesUnder(join(root, dir))) {
        for (const ref of importsOf(path, source)) {
          imports += 1;
          const leaves = ref.specifier.startsWith('.')
            ? !normalize(join(dirname(path), ref.specifier)).startsWith(`${root}/`)
            : ref.specifier.split('/')[0] === 'heat-sbt-router';
          if (leaves) outside.push(`${path}:${ref.line} ${ref.specifier}`);
        }
      }
    }
    expect(imports).toBeGreaterThan(30);
    expect(outside).toEqual([]);
  });

  it('passes a synthetic file set that keeps to it', () => {
    expect(checkModuleMap(cleanSet(), MAP)).toEqual([]);
  });

  it('catches classify importing heat', () => {
    const files = cleanSet();
    files.set(
      'src/classify/classify-ticket.ts',
      "import { x } from '../config/index.js';\nimport { h } from '../heat/index.js';\nexport const classifyTicket = () => x + h;\n",
    );
    expect(checkModuleMap(files, MAP)).toEqual([
      "src/classify/classify-ticket.ts:2: classify may not import heat ('../heat/index.js'); classify may import domain, config",
    ]);
  });

  it('catches a type-only import of classify from heat as well', () => {
    const files = cleanSet();
    files.set(
      'src/classify/types.ts',
      "import type { h } from '../heat/index.js';\nexport type H = typeof h;\n",
    );
    expect(checkModuleMap(files, MAP)).toEqual([
      "src/classify/types.ts:1: classify may not import heat ('../heat/index.js'); classify may import domain, config",
    ]);
  });

  it("catches an import of another module's file instead of its index.ts", () => {
    const files = cleanSet();
    files.set('src/config/load.ts', "export { teamKey } from '../domain/team-name.js';\n");
    expect(checkModuleMap(files, MAP)).toEqual([
      "src/config/load.ts:1: imports '../domain/team-name.js', not domain's index.ts",
    ]);
  });

  it('catches an import cycle between modules', () => {
    const files = cleanSet();
    // config may import domain; a made-up map lets domain import config too, and the cycle still fails.
    files.set('src/domain/uses-config.ts', "import { x } from '../config/index.js';\nexport const y = x;\n");
    const loose: ModuleMap = { ...MAP, modules: { ...MAP.modules, domain: ['config'] } };
    expect(checkModuleMap(files, loose)).toEqual(['import cycle between modules: config, domain']);
  });

  it('catches a value import where only `import type` is allowed', () => {
    const files = cleanSet();
    files.set(
      'src/actions/types.ts',
      "import { loadConfig } from '../config/index.js';\nexport const k = loadConfig;\n",
    );
    expect(checkModuleMap(files, MAP)).toEqual([
      "src/actions/types.ts:1: actions may import config with `import type` only ('../config/index.js')",
    ]);
  });

  it('catches the simulator package, a path outside src/, an unmapped folder and export *', () => {
    const files = cleanSet();
    files.set(
      'src/heat/sim.ts',
      "import { createSimulator } from 'heat-simulator';\nexport const s = createSimulator;\n",
    );
    files.set(
      'src/heat/redis.ts',
      "import { startThrowawayRedis } from '../../tools/devtools/index.js';\nexport const r = startThrowawayRedis;\n",
    );
    files.set('src/extras/index.ts', "export * from './things.js';\n");
    expect(checkModuleMap(files, MAP)).toEqual([
      'src/extras/index.ts: an index.ts exports by name, not with export *',
      "src/extras/index.ts: module 'extras' is not in the module map; add it with the modules it may import",
      "src/heat/redis.ts:1: imports '../../tools/devtools/index.js', which is outside src/",
      "src/heat/sim.ts:1: imports the package 'heat-simulator', which src/ may not use",
    ]);
  });

  it('reads imports, re-exports, import() and import types, and tells type-only ones apart', () => {
    const source = [
      "import type { A } from './a.js';",
      "import { type B, C } from './b.js';",
      "import { type D } from './d.js';",
      "export { E } from './e.js';",
      "export type { F } from './f.js';",
      "const g = await import('./g.js');",
      "type H = import('./h.js').H;",
    ].join('\n');
    expect(importsOf('x.ts', source)).toEqual([
      { specifier: './a.js', typeOnly: true, line: 1 },
      { specifier: './b.js', typeOnly: false, line: 2 },
      { specifier: './d.js', typeOnly: true, line: 3 },
      { specifier: './e.js', typeOnly: false, line: 4 },
      { specifier: './f.js', typeOnly: true, line: 5 },
      { specifier: './g.js', typeOnly: false, line: 6 },
      { specifier: './h.js', typeOnly: true, line: 7 },
    ]);
  });
});
