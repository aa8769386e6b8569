/**
 * Error codes live in one place, the catalogue (packages/protocol/src/errors.ts), with the
 * behaviour a device follows on each. A code written out anywhere else in source is a
 * second list waiting to drift (issue 18 found five "authentication" sets made of twelve
 * literals). So no source file outside the catalogue holds a string literal that is an
 * error code ('401_01') or a code class ('401_'); code reads ERRORS, behaviourOf,
 * codesWith and the named sets instead. Comments and tests may name codes freely.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = new URL('../../../', import.meta.url).pathname;
const CATALOGUE = 'packages/protocol/src/errors.ts';
/** Generated protobuf code is not ours to write. */
const SKIPPED_DIRS = new Set(['node_modules', 'dist', 'gen', 'test']);
/** An error code (`401_01`) or a class of them (`401_`). */
const CODE = /^\d{3}_(\d{2})?$/;

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name)) out.push(...sourceFiles(path));
    } else if (
      entry.name.endsWith('.ts') &&
      !entry.name.endsWith('.test.ts') &&
      !entry.name.endsWith('.d.ts')
    ) {
      out.push(path);
    }
  }
  return out;
}

function scanned(): string[] {
  const packages = readdirSync(join(root, 'packages'), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => join(root, 'packages', d.name, 'src'));
  return [...packages, join(root, 'bench')]
    .flatMap((dir) => {
      try {
        return sourceFiles(dir);
      } catch {
        return []; // a package without src/
      }
    })
    .map((f) => relative(root, f))
    .filter((f) => f !== CATALOGUE);
}

/** `file:line 'literal'` for every string literal in `file` that is an error code. */
function offenders(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  // Parse only files where a quote is followed by a code-like text (most have none).
  if (!/['"`]\d{3}_/.test(text)) return [];
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) && CODE.test(node.text)) {
      const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
      found.push(`${file}:${line + 1} '${node.text}'`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('error codes are written only in the catalogue', () => {
  const files = scanned();

  it('scans the packages and the benchmarks', () => {
    expect(files).toContain('packages/device/src/link/session.ts');
    expect(files).toContain('packages/platform/src/gateway/gateway.ts');
    expect(files.some((f) => f.startsWith('bench/'))).toBe(true);
    expect(files.some((f) => f.includes('/src/gen/') || f.endsWith('.test.ts'))).toBe(false);
  });

  it('finds the catalogue literals it is looking for', () => {
    expect(offenders(CATALOGUE).length).toBeGreaterThan(20);
  });

  it('finds no error-code literal outside packages/protocol/src/errors.ts', () => {
    const found = files.flatMap(offenders);
    expect(found, `use ERRORS, behaviourOf or codesWith instead:\n${found.join('\n')}`).toEqual([]);
  });
});
