#!/usr/bin/env node
/* global process, console */
// Lists the longest functions in src/ (function declarations and expressions, arrow functions, methods,
// accessors and constructors), by line count from the first to the last line of the node.
// Usage: node scripts/function-sizes.mjs [--top N] [--include-simulator]
// Prints a table and a summary line: how many are over 120 lines and over 250 lines.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

const args = process.argv.slice(2);
const topIndex = args.indexOf('--top');
const top = topIndex >= 0 ? Number(args[topIndex + 1]) : 10;
const includeSimulator = args.includes('--include-simulator');
const root = process.cwd();

function listTs(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return listTs(path);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [path] : [];
  });
}

function nameOf(node, sf) {
  if (node.name && ts.isIdentifier(node.name)) return node.name.text;
  if (node.name) return node.name.getText(sf);
  const parent = node.parent;
  if (parent && ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name)) return parent.name.text;
  if (parent && ts.isPropertyAssignment(parent)) return parent.name.getText(sf);
  if (parent && ts.isCallExpression(parent))
    return `(callback of ${parent.expression.getText(sf).replace(/\s+/g, '').slice(0, 40)})`;
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  return '(anonymous)';
}

const rows = [];
for (const file of listTs(join(root, 'src'))) {
  const rel = relative(root, file);
  if (!includeSimulator && rel.startsWith(join('src', 'simulator'))) continue;
  const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const visit = (node) => {
    if (
      ts.isFunctionDeclaration(node) ||
      ts.isFunctionExpression(node) ||
      ts.isArrowFunction(node) ||
      ts.isMethodDeclaration(node) ||
      ts.isGetAccessorDeclaration(node) ||
      ts.isSetAccessorDeclaration(node) ||
      ts.isConstructorDeclaration(node)
    ) {
      if (node.body) {
        const start = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line;
        const end = sf.getLineAndCharacterOfPosition(node.getEnd()).line;
        rows.push({ lines: end - start + 1, file: rel, line: start + 1, name: nameOf(node, sf) });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
}

rows.sort((a, b) => b.lines - a.lines || a.file.localeCompare(b.file));
console.log('| lines | function | where |');
console.log('| ----: | -------- | ----- |');
for (const r of rows.slice(0, top)) console.log(`| ${r.lines} | ${r.name} | ${r.file}:${r.line} |`);
const over120 = rows.filter((r) => r.lines > 120).length;
const over250 = rows.filter((r) => r.lines > 250).length;
console.log(`\n${rows.length} functions; over 120 lines: ${over120}; over 250 lines: ${over250}`);
