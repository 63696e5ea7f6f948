/**
 * Dependencies point one way (docs/architecture.md): no import cycle between the source files,
 * and none between their folders either (a file of `portal/` importing `interactions/` while a
 * file of `interactions/` imports `portal/` is a cycle of folders, even when no two files form
 * one). Type-only imports count: they tie the folders' vocabularies together all the same.
 * The imports are read by TypeScript's own pre-processor (every import, export … from and
 * dynamic import of a relative path).
 */
import { test } from 'vitest';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

const ROOT = resolve(import.meta.dirname, '../..');

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

/** file -> the source files it imports (relative imports of .ts files under src/). */
function importGraph(files: readonly string[]): Map<string, string[]> {
  const known = new Set(files);
  return new Map(
    files.map((file) => {
      const { importedFiles } = ts.preProcessFile(readFileSync(join(ROOT, file), 'utf8'), true, true);
      const targets = importedFiles
        .filter((ref) => ref.fileName.startsWith('.'))
        .map((ref) => relative(ROOT, resolve(ROOT, dirname(file), ref.fileName)))
        .filter((target) => known.has(target));
      return [file, [...new Set(targets)]];
    }),
  );
}

/** Strongly connected components with more than one member (Tarjan): the cycles. */
function cycles(graph: Map<string, Iterable<string>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string) => {
    index.set(node, index.size);
    low.set(node, index.get(node)!);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, index.get(next)!));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    if (component.length > 1) found.push(component.sort());
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return found;
}

/** The imports that tie a cycle of folders together, for the failure message. */
function crossings(graph: Map<string, string[]>, folders: readonly string[]): string[] {
  return [...graph].flatMap(([file, targets]) =>
    targets
      .filter((target) => dirname(target) !== dirname(file) && folders.includes(dirname(file)) && folders.includes(dirname(target)))
      .map((target) => `${file} -> ${target}`),
  );
}

const files = sourceFiles('src');
const graph = importGraph(files);

test('the import graph is read: every folder of src/ is in it, imports are found', () => {
  assert.ok(files.length > 200, `${files.length} source files`);
  assert.ok(graph.get('src/gateway.ts')!.length > 20, 'the composition root imports the modules');
});

test('no import cycle between source files', () => {
  assert.deepEqual(cycles(graph), []);
});

test('no import cycle between folders', () => {
  const byFolder = new Map<string, Set<string>>();
  for (const [file, targets] of graph) {
    const from = byFolder.get(dirname(file)) ?? new Set<string>();
    for (const target of targets) if (dirname(target) !== dirname(file)) from.add(dirname(target));
    byFolder.set(dirname(file), from);
  }
  const found = cycles(byFolder);
  assert.deepEqual(found, [], found.map((folders) => `${folders.join(' <-> ')}:\n  ${crossings(graph, folders).join('\n  ')}`).join('\n'));
});

test('a cycle is found where there is one (the check can fail)', () => {
  const sample = new Map([
    ['a', ['b']],
    ['b', ['c']],
    ['c', ['a']],
    ['d', ['a']],
  ]);
  assert.deepEqual(cycles(sample), [['a', 'b', 'c']]);
});
