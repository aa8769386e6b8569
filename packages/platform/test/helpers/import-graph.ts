/**
 * The import graph of the workspace's own code, read from the TypeScript sources (no
 * build): every `import`, `export … from`, `import()` and `import('…')` type, type-only
 * ones included, because a type import is knowledge of the other module too. For the
 * layering test (layering.test.ts).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

export const ROOT = resolve(new URL('../../../../', import.meta.url).pathname);

/** One import of one file. */
export interface Edge {
  /** The importing file, relative to the repository root. */
  from: string;
  line: number;
  /** The specifier as written; COMPUTED for an import() of an expression. */
  spec: string;
  /** A relative specifier resolved to a file (repository-relative), else undefined. */
  file: string | undefined;
  /** The workspace package a bare specifier names (`@kaoqin/protocol/photo` → `@kaoqin/protocol`). */
  pkg: string | undefined;
}

export const COMPUTED = '<computed>';

/** Generated protobuf code imports only its runtime. */
const SKIPPED_DIRS = new Set(['node_modules', 'dist', 'gen']);

export function tsFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name)) out.push(...tsFiles(path));
    } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
      out.push(path);
    }
  }
  return out;
}

/** The workspace's packages by folder name (`platform`), with their package.json. */
export function workspacePackages(): Map<string, { name: string; deps: Set<string>; devDeps: Set<string> }> {
  const out = new Map<string, { name: string; deps: Set<string>; devDeps: Set<string> }>();
  for (const entry of readdirSync(join(ROOT, 'packages'), { withFileTypes: true })) {
    const manifest = join(ROOT, 'packages', entry.name, 'package.json');
    if (!entry.isDirectory() || !existsSync(manifest)) continue;
    const json = JSON.parse(readFileSync(manifest, 'utf8')) as {
      name: string;
      dependencies?: Record<string, string>;
      devDependencies?: Record<string, string>;
    };
    out.set(entry.name, {
      name: json.name,
      deps: new Set(Object.keys(json.dependencies ?? {})),
      devDeps: new Set(Object.keys(json.devDependencies ?? {})),
    });
  }
  return out;
}

function resolveRelative(fromFile: string, spec: string): string | undefined {
  const target = resolve(dirname(fromFile), spec);
  const candidates = [target.replace(/\.js$/, '.ts'), target, `${target}.ts`, join(target, 'index.ts')];
  const hit = candidates.find((c) => existsSync(c) && c.endsWith('.ts'));
  return relative(ROOT, hit ?? target.replace(/\.js$/, '.ts'));
}

function packageOf(spec: string): string | undefined {
  if (!spec.startsWith('@kaoqin/')) return undefined;
  return spec.split('/').slice(0, 2).join('/');
}

/** Every import of the given files (absolute paths). */
export function importsOf(files: string[]): Edge[] {
  const edges: Edge[] = [];
  for (const path of files) {
    const text = readFileSync(path, 'utf8');
    const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
    const from = relative(ROOT, path);
    const add = (node: ts.Node, spec: string): void => {
      const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
      const file = spec.startsWith('.') ? resolveRelative(path, spec) : undefined;
      edges.push({ from, line, spec, file, pkg: packageOf(spec) });
    };
    const visit = (node: ts.Node): void => {
      if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier) {
        if (ts.isStringLiteral(node.moduleSpecifier)) add(node, node.moduleSpecifier.text);
      } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
        const arg = node.arguments[0];
        add(node, arg && ts.isStringLiteralLike(arg) ? arg.text : COMPUTED);
      } else if (
        ts.isImportTypeNode(node) &&
        ts.isLiteralTypeNode(node.argument) &&
        ts.isStringLiteral(node.argument.literal)
      ) {
        add(node, node.argument.literal.text);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return edges;
}

/** `file:line → spec`, the way a failure names an offending import. */
export function show(edge: Edge): string {
  return `${edge.from}:${edge.line} → ${edge.spec}`;
}
