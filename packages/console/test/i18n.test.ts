/**
 * The one catalogue is complete: Chinese and English have the same keys, every key the
 * source asks for with t('…') exists (a template key's fixed prefix must name a subtree),
 * and no Chinese text sits in a component instead of the catalogue.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { catalogue } from '../src/i18n/index';
import { CONSOLE_DIR } from './support/build';

type Tree = { [k: string]: string | Tree };

function flatten(t: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(t)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'string') out.set(key, v);
    else for (const [kk, vv] of flatten(v, key)) out.set(kk, vv);
  }
  return out;
}

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : /\.tsx?$/.test(e.name) ? [join(dir, e.name)] : [],
  );
}

const SRC = join(CONSOLE_DIR, 'src');
const zh = flatten(catalogue.zh as Tree);
const en = flatten(catalogue.en as Tree);

describe('i18n catalogue', () => {
  it('has the same keys in Chinese and English, none empty', () => {
    expect([...en.keys()].sort()).toEqual([...zh.keys()].sort());
    expect([...zh].filter(([, v]) => v.trim() === '').map(([k]) => k)).toEqual([]);
    expect([...en].filter(([, v]) => v.trim() === '').map(([k]) => k)).toEqual([]);
  });

  it('holds every key the source uses', () => {
    const missing: string[] = [];
    for (const file of sources(SRC)) {
      const text = readFileSync(file, 'utf8');
      const where = relative(CONSOLE_DIR, file);
      for (const m of text.matchAll(/\bt\(\s*'([a-zA-Z0-9_.]+)'/g))
        if (!zh.has(m[1]!)) missing.push(`${where}: ${m[1]}`);
      for (const m of text.matchAll(/\bt\(\s*`([a-zA-Z0-9_.]+)\.\$\{/g)) {
        const prefix = `${m[1]!}.`;
        if (![...zh.keys()].some((k) => k.startsWith(prefix))) missing.push(`${where}: ${prefix}*`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('finds a missing key (the check above can fail)', () => {
    expect(zh.has('nav.dashboard')).toBe(true);
    expect(zh.has('nav.no_such_page')).toBe(false);
  });

  it('keeps Chinese text out of components (it belongs in src/i18n)', () => {
    const offenders: string[] = [];
    for (const file of sources(SRC)) {
      if (file.includes(`${join('src', 'i18n')}`)) continue;
      const lines = readFileSync(file, 'utf8').split('\n');
      lines.forEach((line, i) => {
        const code = line.replace(/\/\/.*$/, '').replace(/^\s*\*.*$/, '');
        if (/[\u4e00-\u9fff]/.test(code)) offenders.push(`${relative(CONSOLE_DIR, file)}:${i + 1}`);
      });
    }
    expect(offenders).toEqual([]);
  });
});
