import { posix } from 'node:path';
import ts from 'typescript';

/** docs/module-map.json: which src/ module may import which. */
export interface ModuleMap {
  /** The module that files directly in src/ (main.ts, process-ticket.ts, ...) belong to. */
  topLevelFilesModule: string;
  /** module -> the modules it may import; "*" = every module. */
  modules: Record<string, string[]>;
  /** module -> modules it may import with `import type` only. */
  typeOnly?: Record<string, string[]>;
  /** Packages no file in src/ may import (the simulator stands apart from the router). */
  forbiddenPackages?: string[];
}

/** One import or re-export in a source file. */
export interface ImportRef {
  specifier: string;
  typeOnly: boolean;
  line: number;
}

/** Every import, `export ... from`, `import()` and `import('x').T` of a TypeScript source, with whether it is type-only. */
export function importsOf(fileName: string, source: string): ImportRef[] {
  const sf = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const refs: ImportRef[] = [];
  const add = (node: ts.Node, specifier: ts.Expression | undefined, typeOnly: boolean): void => {
    if (!specifier || !ts.isStringLiteralLike(specifier)) return;
    const line = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
    refs.push({ specifier: specifier.text, typeOnly, line });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause;
      const named = clause?.namedBindings;
      const allNamedTypes =
        named !== undefined && ts.isNamedImports(named) && named.elements.every((e) => e.isTypeOnly);
      const typeOnly =
        clause !== undefined && (clause.isTypeOnly || (clause.name === undefined && allNamedTypes));
      add(node, node.moduleSpecifier, typeOnly);
    } else if (ts.isExportDeclaration(node)) {
      const clause = node.exportClause;
      const allNamedTypes =
        clause !== undefined && ts.isNamedExports(clause) && clause.elements.every((e) => e.isTypeOnly);
      add(node, node.moduleSpecifier, node.isTypeOnly || allNamedTypes);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      add(node, node.arguments[0], false);
    } else if (ts.isImportTypeNode(node)) {
      const arg = node.argument;
      if (ts.isLiteralTypeNode(arg)) add(node, arg.literal, true);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return refs;
}

/** The module of a file under src/ ("src/heat/types.ts" -> "heat", "src/main.ts" -> the top-level module). */
function moduleOf(path: string, map: ModuleMap): string {
  const parts = path.split('/').slice(1);
  return parts.length === 1 ? map.topLevelFilesModule : parts[0]!;
}

/** Whether `target` (a path under src/) is a face of its module: its index.ts, or any top-level file. */
function isFace(target: string, module: string, map: ModuleMap): boolean {
  if (target === `src/${module}/index.ts`) return true;
  return module === map.topLevelFilesModule && target.split('/').length === 2;
}

/** Groups of two or more modules that import each other, directly or around a loop (Tarjan). */
function cyclesOf(edges: Map<string, Set<string>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const groups: string[][] = [];
  let next = 0;
  const strong = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next += 1;
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const group: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        group.push(w);
      } while (w !== v);
      if (group.length > 1) groups.push(group.sort());
    }
  };
  for (const v of [...edges.keys()].sort()) if (!index.has(v)) strong(v);
  return groups.sort((a, b) => a[0]!.localeCompare(b[0]!));
}

/**
 * Holds a set of source files (repository-relative path "src/..." -> text) to the module map; returns
 * one line per problem, empty when the code keeps to the map.
 */
export function checkModuleMap(files: ReadonlyMap<string, string>, map: ModuleMap): string[] {
  const problems: string[] = [];
  const edges = new Map<string, Set<string>>();
  for (const [path, source] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
    if (!path.startsWith('src/') || !path.endsWith('.ts')) continue;
    const from = moduleOf(path, map);
    if (/(^|\n)\s*export\s+(type\s+)?\*/.test(source) && path.endsWith('/index.ts')) {
      problems.push(`${path}: an index.ts exports by name, not with export *`);
    }
    const allowed = map.modules[from];
    if (!allowed) {
      problems.push(
        `${path}: module '${from}' is not in the module map; add it with the modules it may import`,
      );
      continue;
    }
    for (const ref of importsOf(path, source)) {
      const where = `${path}:${ref.line}`;
      if (!ref.specifier.startsWith('.')) {
        const pkg = ref.specifier.split('/')[0]!;
        if (map.forbiddenPackages?.includes(pkg)) {
          problems.push(`${where}: imports the package '${pkg}', which src/ may not use`);
        }
        continue;
      }
      const target = posix.normalize(posix.join(posix.dirname(path), ref.specifier)).replace(/\.js$/, '.ts');
      if (!target.startsWith('src/')) {
        problems.push(`${where}: imports '${ref.specifier}', which is outside src/`);
        continue;
      }
      const to = moduleOf(target, map);
      if (to === from) continue;
      if (!map.modules[to]) {
        problems.push(
          `${where}: imports '${ref.specifier}' of module '${to}', which is not in the module map`,
        );
        continue;
      }
      const may = allowed.includes('*') || allowed.includes(to);
      if (!may) {
        problems.push(
          `${where}: ${from} may not import ${to} ('${ref.specifier}'); ${from} may import ${allowed.join(', ') || 'nothing'}`,
        );
      } else if (map.typeOnly?.[from]?.includes(to) && !ref.typeOnly) {
        problems.push(`${where}: ${from} may import ${to} with \`import type\` only ('${ref.specifier}')`);
      }
      if (!isFace(target, to, map)) {
        problems.push(`${where}: imports '${ref.specifier}', not ${to}'s index.ts`);
      }
      const out = edges.get(from) ?? new Set<string>();
      out.add(to);
      edges.set(from, out);
    }
  }
  for (const group of cyclesOf(edges)) problems.push(`import cycle between modules: ${group.join(', ')}`);
  return problems;
}
