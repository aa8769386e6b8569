import { readFileSync } from 'node:fs';
import { AUTH_FAILURE_CODES, codesWith, DEVICE_FAILURES, ERROR_BEHAVIOURS, ERRORS } from '@kaoqin/protocol';
import { describe, expect, it } from 'vitest';

// docs/protocol.md is what vendors read: every code we can answer with, or ask a device
// to use, must stand in one of its tables with the same message and behaviour.
const doc = readFileSync(new URL('../../../docs/protocol.md', import.meta.url), 'utf8');
const tableRows = doc.split('\n').filter((l) => l.trimStart().startsWith('|'));

/** The catalogue row: the one naming the code with its message (other tables may name it too). */
function rowFor(code: string, message: string): string | undefined {
  return tableRows.find((r) => r.includes(`\`${code}\``) && r.includes(message));
}

function cells(row: string): string[] {
  return row
    .trim()
    .replace(/^\||\|$/g, '')
    .split('|')
    .map((c) => c.trim());
}

/** The table whose header row starts with `first` and has a column `title`: that column's index and the body rows. */
function table(first: string, title: string): { column: number; rows: string[][] } {
  const lines = doc.split('\n');
  const at = lines.findIndex(
    (l) => l.trimStart().startsWith('|') && cells(l)[0] === first && cells(l).includes(title),
  );
  if (at < 0) throw new Error(`no table headed ${first} … ${title}`);
  const rows: string[][] = [];
  for (let i = at + 2; i < lines.length && lines[i]!.trimStart().startsWith('|'); i++)
    rows.push(cells(lines[i]!));
  return { column: cells(lines[at]!).indexOf(title), rows };
}

/** The codes a cell names: `400_01`, and ranges `402_01`…`402_07` of catalogue codes. */
function codesIn(cell: string): string[] {
  const all = Object.values(ERRORS).map((e) => e.code);
  return cell.split(',').flatMap((part) => {
    const [from, to] = [...part.matchAll(/`(\d{3}_\d{2})`/g)].map((m) => m[1]!);
    if (from === undefined) return [];
    return to === undefined ? [from] : all.filter((c) => c >= from && c <= to);
  });
}

describe('docs/protocol.md lists the catalogues', () => {
  const behaviourColumn = table('Code', 'Behaviour').column;
  for (const e of Object.values(ERRORS)) {
    it(`error ${e.code}`, () => {
      expect(rowFor(e.code, e.zh), `${e.code} ${e.zh} has no table row`).toBeDefined();
      expect(rowFor(e.code, e.en), `${e.code} ${e.en} has no table row`).toBeDefined();
      const row = rowFor(e.code, e.zh) ?? '';
      expect(cells(row)[behaviourColumn], `${e.code}'s behaviour`).toBe(`\`${e.behaviour}\``);
    });
  }
  for (const f of Object.values(DEVICE_FAILURES)) {
    it(`device failure ${f.code}`, () => {
      expect(rowFor(f.code, f.zh), `${f.code} ${f.zh} has no table row`).toBeDefined();
    });
  }
});

describe('docs/protocol.md describes the behaviours', () => {
  const { column: codesColumn, rows } = table('Behaviour', 'Codes');

  it('one row per behaviour, in the catalogue order', () => {
    expect(rows.map((c) => c[0])).toEqual(ERROR_BEHAVIOURS.map((b) => `\`${b}\``));
  });

  for (const b of ERROR_BEHAVIOURS) {
    it(`${b}: the codes the docs name are the catalogue's`, () => {
      const row = rows.find((c) => c[0] === `\`${b}\``) ?? [];
      expect(new Set(codesIn(row[codesColumn] ?? ''))).toEqual(codesWith(b));
    });
  }

  it('the auth_failed events: the behaviours the docs name are the set the platform records', () => {
    const paragraph = doc
      .split('\n\n')
      .find((p) => p.includes('`auth_failed`') && p.includes('behaviour is'));
    expect(paragraph, 'the auth_failed paragraph').toBeDefined();
    const named = [...(paragraph ?? '').matchAll(/`([a-z_]+)`/g)]
      .map((m) => m[1]!)
      .filter((n): n is (typeof ERROR_BEHAVIOURS)[number] =>
        (ERROR_BEHAVIOURS as readonly string[]).includes(n),
      );
    expect(named.length).toBeGreaterThan(0);
    expect(codesWith(...named)).toEqual(AUTH_FAILURE_CODES);
  });
});
